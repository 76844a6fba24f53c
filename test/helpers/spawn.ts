import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** `--import` value that lets a child node process run the TypeScript sources. */
export const TSX_LOADER = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** Arguments to run Till's CLI from source in a child process. */
export function tillCliArgs(...args: string[]): string[] {
  return ['--import', TSX_LOADER, path.join(ROOT, 'src/cli/main.ts'), ...args];
}
