import type { Child } from 'hono/jsx';
import { hashedAsset } from '../assets.js';

/**
 * The few rules the wallet, settings and audit pages add to the admin stylesheet: where
 * each setting comes from under its field, addresses in a monospaced column, tables that
 * become labelled rows on a phone. Served hashed like the rest (style-src 'self').
 */
const CSS = `
.card>h2:first-child{margin-top:0}
.card>h2+p.hint{margin-top:-.25rem}
.lead{margin:-.5rem 0 1rem;color:var(--muted)}
.addr{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;overflow-wrap:anywhere;word-break:break-all}
table.addresses td:first-child,table.addresses th:first-child{width:5rem;text-align:right;padding-right:1rem;font-variant-numeric:tabular-nums}
.descriptor{display:block;padding:.5rem .65rem;border-radius:6px;background:var(--chip);overflow-wrap:anywhere;word-break:break-all}
.origin{display:flex;flex-wrap:wrap;gap:.25rem .6rem;align-items:center;margin:.35rem 0 0;font-size:.85rem;color:var(--muted)}
.origin button{padding:.1rem .55rem;font-size:.82rem}
.origin .chip{font-size:.78rem}
textarea.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9rem;min-height:4.5rem}
.setting{margin:0 0 1rem}
.setting:last-child{margin-bottom:0}
.setting label{margin-top:0}
fieldset.choices{border:0;padding:0;margin:0;min-width:0}
fieldset.choices legend{font-weight:600;padding:0;margin:0 0 .25rem}
.choices .opts{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}
.two{display:grid;gap:0 1rem;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr))}
.save-row{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:0 0 1.5rem}
.settings-page{max-width:52rem}
.flash.bad a{color:inherit}
.gap{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));margin:0 0 .75rem}
.audit td.detail{max-width:28rem;overflow-wrap:anywhere}
.audit td.when{white-space:nowrap}
.audit td code,.audit td.actor{white-space:nowrap}
.audit td.subject{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em;overflow-wrap:break-word}
.card>p:first-child{margin-top:0}
.card>p:last-child{margin-bottom:0}
.short input{max-width:12rem}
@media (max-width:40rem){
 table.rows thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
 table.rows,table.rows tbody,table.rows tr,table.rows td{display:block;width:100%}
 table.rows tr{padding:.5rem 0;border-bottom:1px solid var(--line)}
 table.rows tr:last-child{border-bottom:0}
 table.rows td{border:0;padding:.1rem 0;display:grid;grid-template-columns:6.5rem 1fr;gap:.5rem}
 table.rows td::before{content:attr(data-label);color:var(--muted);font-size:.8rem;text-transform:uppercase;letter-spacing:.03em}
 .audit td.detail{max-width:none}
 dl.facts{grid-template-columns:1fr;gap:0}
 dl.facts dt{margin-top:.5rem}
}
`.trim();

export const OWN_STYLESHEET = hashedAsset('admin-wallet-settings', 'css', CSS);

/** The stylesheet, linked from the page itself (a stylesheet link is allowed in the body). */
export function OwnStyles(): Child {
  return <link rel="stylesheet" href={OWN_STYLESHEET.path} />;
}
