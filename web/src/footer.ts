// The footer names the monitor's version, as the API reports it, so whoever deploys can confirm what is running.

import { query } from "./api";
import { AppVersionDocument } from "./generated/graphql";

export async function showVersion(): Promise<void> {
  const where = document.getElementById("app-version");
  if (!where) return;
  const r = await query(AppVersionDocument);
  where.textContent = r.data ? `gql-monitor ${r.data.appVersion}` : "gql-monitor (version unavailable)";
  if (r.data) where.dataset.version = r.data.appVersion;
}
