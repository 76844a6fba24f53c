import { createHash } from 'node:crypto';

/**
 * The merchant UI's stylesheet and script, served by Till under /assets/ with a content
 * hash in the name, as the payer's pages are. No framework: forms work without the
 * script; it adds copy buttons, totals as you type and confirmations before a cancel.
 */
const CSS = `
:root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--fg:#16191d;--muted:#4f5763;--line:#d9dde3;--accent:#0b5cad;--ok:#146c2e;--warn:#8a4b00;--bad:#a4161a;--chip:#eef1f5}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--card:#181d24;--fg:#eef1f5;--muted:#b2bac6;--line:#323a45;--accent:#7ab8ff;--ok:#6fd48b;--warn:#ffc266;--bad:#ff8a8e;--chip:#222a33}}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--accent)}
.top{background:var(--card);border-bottom:1px solid var(--line)}
.top .in{max-width:72rem;margin:0 auto;padding:.5rem 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.25rem 1rem}
.brand{font-weight:700;font-size:1.05rem;margin-right:auto;color:var(--fg);text-decoration:none}
nav.main{display:flex;flex-wrap:wrap;gap:.1rem .2rem;width:100%;order:3;overflow-x:auto}
nav.main a{padding:.35rem .55rem;border-radius:6px;text-decoration:none;color:var(--muted);white-space:nowrap}
nav.main a[aria-current=page]{background:var(--chip);color:var(--fg);font-weight:600}
@media (min-width:60rem){nav.main{width:auto;order:0}.brand{margin-right:0}.top form{margin-left:auto}}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.25rem 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1rem;margin:0 0 1rem}
.narrow{max-width:26rem;margin:3rem auto}
.muted,.hint{color:var(--muted)}
.hint{font-size:.88rem;margin:.25rem 0 0}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr))}
.stat .label{color:var(--muted);font-size:.85rem}
.stat .value{font-size:1.35rem;font-weight:650;font-variant-numeric:tabular-nums}
table{width:100%;border-collapse:collapse}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;overflow-wrap:anywhere}
.chip{display:inline-block;padding:.05rem .5rem;border-radius:999px;background:var(--chip);font-size:.82rem;white-space:nowrap}
.chip.ok{color:var(--ok)}.chip.warn{color:var(--warn)}.chip.bad{color:var(--bad)}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
label.check{font-weight:400;display:flex;gap:.5rem;align-items:center;margin:.35rem 0}
input[type=text],input[type=password],input[type=email],input[type=url],input[type=number],input[type=date],input[type=search],select,textarea{font:inherit;width:100%;padding:.45rem .55rem;border:1px solid var(--muted);border-radius:6px;background:var(--card);color:var(--fg)}
textarea{min-height:5rem}
[aria-invalid=true]{border-color:var(--bad)!important}
.error{color:var(--bad);font-weight:600;margin:.3rem 0 0}
.flash{padding:.6rem .9rem;border-radius:8px;margin:0 0 1rem;border-left:4px solid var(--ok);background:color-mix(in srgb,var(--ok) 10%,transparent)}
.flash.bad{border-color:var(--bad);background:color-mix(in srgb,var(--bad) 10%,transparent)}
.secret{padding:.6rem .8rem;border:2px dashed var(--warn);border-radius:8px;word-break:break-all}
button,.button{font:inherit;padding:.45rem .9rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:var(--card);cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:transparent;color:var(--accent)}
button.danger{background:var(--bad);border-color:var(--bad)}
button.link{background:none;border:0;padding:0;color:var(--accent);text-decoration:underline}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:1rem 0 0}
.actions form{margin:0}
.filters{display:grid;gap:.5rem;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));align-items:end}
.filters label{margin:0 0 .2rem;font-size:.85rem}
.pager{display:flex;gap:1rem;justify-content:space-between;align-items:center;margin:.75rem 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.chart{width:100%;height:auto;color:var(--accent)}
.chart text{fill:var(--muted);font-size:11px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
`.trim();

const JS = `
(function(){"use strict";
function $$(s,r){return Array.prototype.slice.call((r||document).querySelectorAll(s))}
$$("button[data-copy]").forEach(function(b){b.hidden=false});
document.addEventListener("click",function(e){var b=e.target&&e.target.closest&&e.target.closest("button[data-copy]");if(!b)return;
var f=document.getElementById(b.getAttribute("data-copy"));if(!f)return;var t=f.value!==undefined&&f.tagName==="INPUT"?f.value:f.textContent;
var done=function(){var o=b.textContent;b.textContent="Copied";setTimeout(function(){b.textContent=o},1500)};
if(navigator.clipboard&&navigator.clipboard.writeText)navigator.clipboard.writeText(t).then(done,function(){});});
document.addEventListener("submit",function(e){var f=e.target;var q=f&&f.getAttribute&&f.getAttribute("data-confirm");if(q&&!window.confirm(q))e.preventDefault()});
})();
`.trim();

export interface Asset {
  path: string;
  body: Buffer;
  type: string;
}

/** A script or stylesheet under its content hash: cached for a year, never stale. */
export function hashedAsset(name: string, ext: 'css' | 'js', body: string): Asset {
  const h = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/assets/${name}.${h}.${ext}`, body: Buffer.from(body), type: ext === 'css' ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8' };
}

export const ADMIN_STYLESHEET = hashedAsset('admin', 'css', CSS);
export const ADMIN_SCRIPT = hashedAsset('admin', 'js', JS);
