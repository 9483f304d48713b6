// Builds web/ into ../gql_monitor/static (committed, so installing the app needs no Node.js): content-hashed
// assets, index.html (the UI) and graphiql.html (GraphiQL, bundled with React) pointing at them, and build-info.json holding a hash of every source file, which
// tests/test_web_build.py recomputes so that a change to web/ without a rebuild fails the suite.

import { build, version } from "esbuild";
import { Kind, parse, stripIgnoredCharacters } from "graphql";
import { createHash } from "node:crypto";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const web = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(web, "..", "gql_monitor", "static");
const assets = path.join(out, "assets");

const sha256 = (data) => createHash("sha256").update(data).digest("hex");

// The same walk as tests/test_web_build.py: every file under web/ but node_modules and dot-files, by POSIX path.
async function sourceFiles(dir = web, prefix = "") {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...(await sourceFiles(path.join(dir, entry.name), rel)));
    else if (entry.isFile()) found.push(rel);
  }
  return found;
}

async function sourceHash() {
  const files = (await sourceFiles()).sort();
  const digest = createHash("sha256");
  for (const rel of files) digest.update(`${rel}\0${sha256(await readFile(path.join(web, rel)))}\n`);
  return { hash: digest.digest("hex"), count: files.length };
}

// The documents are typed strings in src/generated/graphql.ts (graphql-codegen), printed there for reading. They go
// over the wire with every request, so the bundle holds them as graphql-js's stripIgnoredCharacters leaves them (no
// comments, commas or indentation). `shipped` keeps each operation's document as sent, for build-info.json.
const shipped = {};
const compactDocuments = {
  name: "compact-documents",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]generated[\\/]graphql\.ts$/ }, async (args) => {
      const generated = await readFile(args.path, "utf8");
      // Codegen writes each document into a template literal, doubling its backslashes.
      const contents = generated.replace(/new TypedDocumentString\(`([^`]*)`/g, (_, printed) => {
        const text = stripIgnoredCharacters(printed.replaceAll("\\\\", "\\"));
        const operation = parse(text).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
        if (operation) shipped[operation.name.value] = text;
        return `new TypedDocumentString(${JSON.stringify(text)}`;
      });
      if (!Object.keys(shipped).length) throw new Error(`no operation documents found in ${args.path}`);
      return { contents, loader: "ts" };
    });
  },
};

// GraphiQL's stylesheet carries its fonts as data: URIs (a third of a megabyte, every unicode range of every
// face). Written out as files, the browser fetches only the faces and ranges a page uses, and the CSP needs no data:
// fonts.
async function embeddedFonts() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gql-monitor-fonts-"));
  return {
    dir,
    plugin: {
      name: "embedded-fonts",
      setup(b) {
        b.onLoad({ filter: /node_modules[\\/].*\.css$/ }, async (args) => {
          let css = await readFile(args.path, "utf8");
          const fonts = [...css.matchAll(/url\(data:font\/(woff2?);base64,([A-Za-z0-9+/=]+)\)/g)];
          for (const [whole, type, data] of fonts) {
            const bytes = Buffer.from(data, "base64");
            const file = path.join(dir, `${sha256(bytes).slice(0, 16)}.${type}`);
            await writeFile(file, bytes);
            css = css.replace(whole, `url(${JSON.stringify(file)})`);
          }
          return { contents: css, loader: "css" };
        });
      },
    },
  };
}

await rm(out, { recursive: true, force: true });
await mkdir(assets, { recursive: true });

const common = {
  absWorkingDir: web,
  outdir: assets,
  entryNames: "[name]-[hash]",
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020"],
  charset: "utf8",
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
};

const built = (result) => Object.keys(result.metafile.outputs).map((p) => path.basename(p));
const app = built(await build({
  ...common,
  entryPoints: [
    { in: "src/main.ts", out: "app" },
    { in: "src/styles.css", out: "app" },
  ],
  plugins: [compactDocuments],
}));

const fonts = await embeddedFonts();
const graphiql = built(await build({
  ...common,
  entryPoints: [
    { in: "src/graphiql/main.ts", out: "graphiql" },
    { in: "src/graphiql/styles.css", out: "graphiql" },
  ],
  assetNames: "font-[hash]",
  loader: { ".woff2": "file", ".woff": "file" },
  define: { "process.env.NODE_ENV": '"production"' },
  // Loaded by @graphiql/toolkit only for a subscription URL, which this page never passes: no websocket is served.
  external: ["graphql-ws"],
  plugins: [fonts.plugin],
}));
await rm(fonts.dir, { recursive: true, force: true });
const outputs = [...app, ...graphiql];

const favicon = await readFile(path.join(web, "public", "favicon.svg"));
const faviconName = `favicon-${sha256(favicon).slice(0, 8).toUpperCase()}.svg`;
await copyFile(path.join(web, "public", "favicon.svg"), path.join(assets, faviconName));

const pages = {};
for (const [page, template, files] of [["index.html", "index.html", app], ["graphiql.html", "graphiql.html", graphiql]]) {
  const script = files.find((name) => name.endsWith(".js"));
  const style = files.find((name) => name.endsWith(".css"));
  const text = await readFile(path.join(web, template), "utf8");
  pages[page] = text.replace("{{script}}", script).replace("{{style}}", style).replace("{{favicon}}", faviconName);
  await writeFile(path.join(out, page), pages[page]);
}

// Precompressed copies, which the server sends to browsers that accept them (gql_monitor/http/compression.py):
// Brotli at its best setting and gzip at level 9 cost nothing per request when made once here. Fonts are compressed
// already; files under the server's 1 KB threshold are not worth a copy.
const COMPRESSIBLE = /\.(js|css|svg|html|json)$/;
const MINIMUM_SIZE = 1024;
const precompressed = [];
for (const name of [...outputs, faviconName]) {
  const data = await readFile(path.join(assets, name));
  if (!COMPRESSIBLE.test(name) || data.length < MINIMUM_SIZE) continue;
  const br = brotliCompressSync(data, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: data.length },
  });
  await writeFile(path.join(assets, `${name}.br`), br);
  await writeFile(path.join(assets, `${name}.gz`), gzipSync(data, { level: 9 }));
  precompressed.push(`${name}.br`, `${name}.gz`);
}

const sizes = {};
for (const name of [...outputs, faviconName, ...precompressed].sort()) {
  sizes[`assets/${name}`] = (await readFile(path.join(assets, name))).length;
}
for (const [page, html] of Object.entries(pages)) sizes[page] = Buffer.byteLength(html);
const documents = Object.fromEntries(Object.keys(shipped).sort().map((name) => [name, shipped[name]]));
const source = await sourceHash();
// `documents` is what the bundle sends, by operation, so the tests can check it against the schema and its sources.
const info = { sourceHash: source.hash, sourceFiles: source.count, esbuild: version, files: sizes, documents };
await writeFile(path.join(out, "build-info.json"), JSON.stringify(info, null, 2) + "\n");

for (const [name, bytes] of Object.entries(sizes)) console.log(`${String(bytes).padStart(8)}  gql_monitor/static/${name}`);
console.log(`source hash ${source.hash.slice(0, 12)} over ${source.count} files`);
