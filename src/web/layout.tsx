import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';

/** The HTML way of writing the void element; a constant, the only raw markup here. */
const BR = raw('<br>');

/** Text whose line breaks are kept: each line escaped, `<br>` between them. */
export function Lines({ text }: { text: string }): Child {
  return text.split(/\r\n|\r|\n/).map((line, i) => (i === 0 ? line : [BR, line]));
}

export interface DocumentProps {
  title: string;
  lang?: string;
  /** Inline style of the body: email clients drop a head's stylesheet. */
  bodyStyle?: string;
  /** More of the head after the title (a stylesheet link, a meta tag). */
  head?: Child;
  children?: Child;
}

/** A whole HTML document; render it with `{ doctype: true }`. */
export function Document({ title, lang, bodyStyle, head, children }: DocumentProps): Child {
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <title>{title}</title>
        {head}
      </head>
      <body style={bodyStyle}>{children}</body>
    </html>
  );
}
