import { hashedAsset } from '../assets.js';

/**
 * The few rules the payment link, webhook and API key pages add to the admin stylesheet:
 * a heading with its button, copy lines, a secret shown once, tables that become
 * labelled rows on a phone. Served hashed like the rest (style-src 'self').
 */
const CSS = `
.headline{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;margin:0 0 1rem}
.headline h1{margin:0}
.crumbs{margin:0 0 .25rem;color:var(--muted);font-size:.9rem}
.card.flush{padding:0}
.card.flush table{margin:0}
.card.flush th:first-child,.card.flush td:first-child{padding-left:1rem}
.card.flush th:last-child,.card.flush td:last-child{padding-right:1rem}
.card.flush tr:last-child td{border-bottom:0}
.card>h2:first-child{margin-top:0}
form.card.form{max-width:46rem}
.small{font-size:.85rem}
h1 .mono{font-size:.8em}
.chips{display:flex;flex-wrap:wrap;gap:.25rem}
.nowrap{white-space:nowrap}
.mono.nowrap{overflow-wrap:normal}
button.small,.button.small{padding:.2rem .6rem;font-size:.85rem}
.copyline{display:inline-flex;flex-wrap:wrap;gap:.35rem .6rem;align-items:center;max-width:100%}
.copyline .mono{overflow-wrap:anywhere}
fieldset.plain{border:0;padding:0;margin:.75rem 0 0;min-width:0}
fieldset.plain legend{font-weight:600;padding:0;margin:0 0 .1rem}
fieldset.plain .field label{font-weight:500}
.two{display:grid;gap:0 1rem;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr))}
.checks{display:grid;gap:0 1rem;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr))}
.once{border:2px solid var(--warn);border-radius:10px;padding:1rem;margin:0 0 1rem;background:var(--card)}
.once h2{margin-top:0}
.once .secret{display:block;font-size:1rem;margin:.5rem 0;user-select:all}
.excerpt{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;max-height:12rem;overflow:auto;font-size:.85rem}
form.inline{display:inline}
.error-text{color:var(--bad)}
@media (max-width:40rem){
 table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
 table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}
 table.stack tr{padding:.6rem 1rem;border-bottom:1px solid var(--line)}
 table.stack tr:last-child{border-bottom:0}
 table.stack td{border:0;padding:.15rem 0!important;display:grid;grid-template-columns:7rem minmax(0,1fr);gap:.5rem;justify-items:start;align-items:baseline}
 table.stack td>*{max-width:100%}
 table.stack td::before{content:attr(data-label);color:var(--muted);font-size:.82rem;text-transform:uppercase;letter-spacing:.03em}
 table.stack td.num{text-align:left}
 dl.facts{grid-template-columns:1fr;gap:0}
 dl.facts dt{margin-top:.5rem}
 dl.facts dt:first-child{margin-top:0}
}
`.trim();

export const SECTION_STYLESHEET = hashedAsset('admin-sections', 'css', CSS);
