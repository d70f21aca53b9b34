#!/usr/bin/env node
// The CLI runs from the build (out/main/cli.js), which `npm install` produces through the prepare script.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('broadcast-lab: the app is not built yet. Run `npm run build` in the broadcast-lab folder first.');
  process.exit(1);
}
const { runCli } = await import(pathToFileURL(cli).href);
process.exitCode = await runCli(process.argv.slice(2));
