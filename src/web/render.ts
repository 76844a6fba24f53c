import type { JSX } from 'hono/jsx/jsx-runtime';

/**
 * Till's one template engine: hono/jsx components (TSX, typed props) rendered to a string
 * on the server. Every string child and attribute value is escaped by the engine
 * (`& < > " '` → `&amp; &lt; &gt; &quot; &#39;`); only `raw()` from `hono/html` skips
 * that, and lint keeps it inside src/web/. Email uses it now, the pages next.
 */
export type Html = JSX.Element;

export interface RenderOptions {
  /** Put `<!doctype html>` first, for a whole document (a page, an email body). */
  doctype?: boolean;
}

/**
 * Renders a tree of synchronous components to HTML. Throws on an async component: a
 * caller that needs one should say so with an async render of its own.
 */
export function render(node: Html, opts: RenderOptions = {}): string {
  const out: unknown = node instanceof Promise ? node : node.toString();
  if (typeof out !== 'string') {
    if (out instanceof Promise) void out.catch(() => undefined);
    throw new TypeError('render() takes synchronous components only');
  }
  return opts.doctype === true ? `<!doctype html>\n${out}\n` : out;
}
