import { h } from "./dom";
import { attention } from "./pages/attention";
import { costs } from "./pages/costs";
import { job } from "./pages/job";
import { jobs } from "./pages/jobs";
import { notFound as missing } from "./pages/notfound";
import { overview } from "./pages/overview";
import { run } from "./pages/run";
import { runs } from "./pages/runs";
import { notFound, route, start } from "./router";
import { session } from "./session";
import { scopeText } from "./visibility";
import { errorCode } from "./api";
import { dateTime } from "./format";
// The shared window registers what navigations carry from page to page.
import "./window";
import { showVersion } from "./footer";
import { tableKeys } from "./keys";

// The pages' live feed of running jobs (websocket, polling as the fallback). Exported from the entry module so that
// tests/browser/test_live_client.py can drive it in Chromium (`import()` of this script gives this module).
export { watchActiveRuns, watchRun } from "./live";

route(/^\/$/, attention);
route(/^\/overview\/?$/, overview);
route(/^\/jobs\/?$/, jobs);
route(/^\/jobs\/([^/]+)\/?$/, job);
route(/^\/runs\/?$/, runs);
route(/^\/runs\/([^/]+)\/?$/, run);
route(/^\/costs\/?$/, costs);
notFound(missing);

void session().then((s) => {
  const where = document.getElementById("session");
  if (!where) return;
  if (s.viewer) {
    where.replaceChildren(
      h("span", { class: "who" }, s.viewer.userName),
      h("span", { class: "meta" }, s.viewer.dataAccess === "OBO" ? " · your own grants" : " · the app's grants"),
      h("span", { class: "meta", id: "job-scope" }, ` · ${scopeText(s.viewer.jobVisibility)}`),
      h("span", { class: "meta" }, s.end ? ` · data through ${dateTime(s.end.toISOString())}` : ""),
    );
  } else if (s.viewerErrors.length) {
    where.replaceChildren(h("span", { class: "badge bad" }, errorCode(s.viewerErrors[0])), " ", s.viewerErrors[0].message);
  }
});

tableKeys();
void showVersion();
start();
