// Bundles the CLI and the model worker, each into one file, over tsc's output of the same two
// entry points (dist/bin/ebb.js, dist/lib/runtime/worker.js); run by `npm run build` after tsc.
// Why: Node's ES module loader resolves, reads and compiles each of the ~280 modules an
// `ebb run` loads one by one, and that was about a third of the fixed cost of every command
// (measured: `ebb run` of a one-model SQL project 0.59–0.73 s of CPU from tsc's files, 0.38–0.52
// s from a bundle). The rest of dist/lib stays as tsc wrote it: the bundles' modules keep their
// own place, see below, and the tests import the TypeScript sources, not dist.
//
// Every bundled module sees the `import.meta.url` it had unbundled (the file tsc wrote, or its
// file in node_modules), made relative to the bundle so that a moved install still resolves it:
// the paths derived from it (the worker's file beside worker-entry.js, the catalog's .star files
// in dist/lib/catalog, package.json two folders up, yargs' locales) find what they found before.
// The DuckDB binding stays outside (a native .node file, loaded with require()).

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import esbuild from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The two bundles: from the TypeScript source, over the file tsc compiled it to. */
const ENTRIES = [
  { source: 'bin/ebb.ts', out: 'dist/bin/ebb.js' },
  { source: 'lib/runtime/worker.ts', out: 'dist/lib/runtime/worker.js' },
];

/** unbundledPath is where a bundled module lives unbundled: tsc's .js for a source, else itself. */
function unbundledPath(file) {
  const rel = relative(repo, file);
  if (!rel.startsWith('..') && !rel.split(sep).includes('node_modules') && rel.endsWith('.ts'))
    return join(repo, 'dist', rel.replace(/\.ts$/, '.js'));
  return file;
}

const DUCKDB_API = join(repo, 'lib', 'store', 'duckdb-api.ts');
const DUCKDB_REQUIRE = "createRequire(import.meta.url)('@duckdb/node-api')";

/** ownUrl rewrites `import.meta.url` in a module to its unbundled URL, relative to the bundle. */
function ownUrl(outFile) {
  return {
    name: 'own-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.(ts|js|mjs|cjs)$/ }, (args) => {
        let text = readFileSync(args.path, 'utf8');
        if (args.path === DUCKDB_API) {
          // lib/store/duckdb-api.ts require()s node-api so that an unbundled ES module does not
          // pay Node's scan of its CommonJS exports; a plain require() lets esbuild bundle it
          // (its ~30 files: ~40 ms of CPU less a command), the native binding still outside.
          if (!text.includes(DUCKDB_REQUIRE)) throw new Error(`${args.path} no longer has ${DUCKDB_REQUIRE}`);
          text = text.replace(DUCKDB_REQUIRE, "require('@duckdb/node-api')");
        }
        if (!text.includes('import.meta.url'))
          return args.path === DUCKDB_API ? { contents: text, loader: 'ts' } : undefined;
        const rel = relative(dirname(outFile), unbundledPath(args.path)).split(sep).join('/');
        const url = `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
        const loader = args.path.endsWith('.ts') ? 'ts' : 'js';
        return { contents: text.replaceAll('import.meta.url', url), loader };
      });
    },
  };
}

/**
 * lazyStringWidth defers string-width (yargs' and cliui's) until a width is measured: its module
 * builds an Intl.Segmenter when loaded, ~35 ms of CPU for every command, while yargs measures
 * widths only to lay out --help and errors. Inside a bundle a require() of an ES module is
 * evaluated when called, so the stand-in loads the real module at its first call.
 */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'real') return undefined;
      const real = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: 'real',
      });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: `let width;\nexport default function stringWidth(text, options) {\n  width ??= require(${JSON.stringify(args.path)}).default;\n  return width(text, options);\n}\n`,
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * cjsDynamic gives a CommonJS package that the code import()s (undici, loaded at the first
 * request) its named exports: split into a chunk of its own, esbuild's stand-in for it would
 * export `default` alone, where Node gives the package's names too. The stand-in imports the
 * package and exports each name it has (read here, from the installed package).
 */
const CJS_DYNAMIC = ['undici'];
const cjsDynamic = {
  name: 'cjs-dynamic-import',
  setup(build) {
    const names = new RegExp(`^(${CJS_DYNAMIC.join('|')})$`);
    build.onResolve({ filter: names }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, namespace: 'cjs-dynamic' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'cjs-dynamic' }, (args) => {
      const exported = Object.keys(createRequire(join(repo, 'package.json'))(args.path)).filter(
        (n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default',
      );
      return {
        contents: `import pkg from ${JSON.stringify(args.path)};\nexport default pkg;\nexport const { ${exported.join(', ')} } = pkg;\n`,
        loader: 'js',
        resolveDir: repo,
      };
    });
  },
};

// A CommonJS package bundled into an ES module still calls require() for Node's built-in modules.
const BANNER =
  "import { createRequire as __ebbRequire } from 'node:module';\nconst require = __ebbRequire(import.meta.url);";

/** The chunks of the CLI's bundle: named so, beside its entry (see below), removed before a build. */
const CHUNK = /^chunk-[A-Z0-9]+\.js(\.map)?$/;

for (const { source, out } of ENTRIES) {
  const outFile = join(repo, out);
  const outdir = dirname(outFile);
  for (const f of readdirSync(outdir)) if (CHUNK.test(f)) rmSync(join(outdir, f));
  await esbuild.build({
    entryPoints: { [basename(outFile, '.js')]: join(repo, source) },
    outdir,
    // Split at the dynamic imports: what a command loads lazily (yargs and the commands, the
    // interpreter of `ebb star`) lands in chunks, so `ebb --version` and `ebb star` compile only
    // what they run. The chunks sit beside the entry, so a module's URL relative to the bundle
    // (ownUrl) is the same from any of them.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    // (esbuild keeps the entry's #! line above the banner.)
    banner: { js: BANNER },
    // The native binding (and pg's optional native client, never installed) stay require()d.
    external: ['@duckdb/node-bindings', '@duckdb/node-bindings-*', 'pg-native'],
    plugins: [cjsDynamic, lazyStringWidth, ownUrl(outFile)],
    logLevel: 'warning',
  });
}
