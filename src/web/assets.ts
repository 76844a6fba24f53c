import { createHash } from 'node:crypto';

/**
 * The checkout page's one stylesheet and one script, served by Till itself under
 * /assets/ with their content hash in the name (so they can be cached for a year). Kept
 * here as strings so the build carries them without a copy step.
 */
const CSS = `
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#15181d;--muted:#4d5562;--line:#d8dce3;--accent:#0b5cad;--ok:#146c2e;--warn:#8a4b00;--bad:#a4161a}
@media (prefers-color-scheme:dark){:root{--bg:#101317;--card:#1a1f26;--fg:#eef1f5;--muted:#b4bcc8;--line:#333b46;--accent:#7ab8ff;--ok:#6fd48b;--warn:#ffc266;--bad:#ff8a8e}}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:34rem;margin:0 auto;padding:1rem;background:var(--card);min-height:100vh}
@media (min-width:40rem){main{margin:2rem auto;min-height:0;border:1px solid var(--line);border-radius:12px;padding:1.5rem 2rem}}
h1{font-size:1.3rem;margin:0}
h2{font-size:1.15rem;margin:0 0 .25rem}
header{border-bottom:1px solid var(--line);padding-bottom:.5rem;margin-bottom:.5rem}
.number,.rate,.hint{color:var(--muted);margin:0;font-size:.9rem}
.hint{margin-top:.5rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
table.lines{width:100%;border-collapse:collapse;margin:.5rem 0}
.lines td,.lines th{padding:.3rem 0;vertical-align:top;text-align:left;overflow-wrap:anywhere}
.lines tfoot th,.lines tfoot td{border-top:1px solid var(--line);padding-top:.5rem}
.num{text-align:right!important;white-space:nowrap;padding-left:1rem!important}
.fiat{display:block;color:var(--muted);font-size:.9rem}
#live{--tone:var(--accent)}
.state-paid,.state-confirmed{--tone:var(--ok)!important}
.state-partial{--tone:var(--warn)!important}
.state-expired,.state-underpaid,.state-paid_late,.state-cancelled,.state-invalid{--tone:var(--bad)!important}
.status{margin:1rem 0;padding:.75rem 1rem;border-left:4px solid var(--tone);background:color-mix(in srgb,var(--tone) 9%,transparent);border-radius:4px}
.status p{margin:.25rem 0 0}
.pay{text-align:center}
.qr{display:block;width:min(100%,16rem);margin:0 auto;background:#fff;padding:.5rem;border-radius:8px;line-height:0}
.qr svg{width:100%;height:auto}
.qr:focus-visible,button:focus-visible,a:focus-visible,input:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.fields{text-align:left;margin:1rem 0 .5rem}
.fields dt{font-size:.85rem;color:var(--muted);margin-top:.5rem}
.fields dd{margin:0}
#amount{font-size:1.25rem;font-weight:600}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.copyable{display:flex;gap:.5rem}
.copyable{align-items:flex-start}
.addr{flex:1;min-width:0;font-size:.95rem;line-height:1.4;padding:.45rem .5rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);word-break:break-all;user-select:all}
button,.button{font:inherit;padding:.5rem .9rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:var(--card);cursor:pointer;text-decoration:none;display:inline-block}
.countdown{margin:.5rem 0 0}
#countdown{font-variant-numeric:tabular-nums;font-weight:600;color:var(--fg)}
.back{text-align:center;margin:1.5rem 0 .5rem}
.back p{margin:.5rem 0}
button.link{background:none;border:0;padding:0;color:var(--accent);text-decoration:underline;font-size:inherit}
.wire{margin:1.25rem 0 .5rem;padding-top:1rem;border-top:1px solid var(--line)}
.wire h2{font-size:1.05rem}
.bank{margin:.5rem 0;padding:.5rem .75rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.description{margin:.75rem 0;overflow-wrap:anywhere}
.link-form{margin:1rem 0 0}
.fixed{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;padding:.75rem 0;border-top:1px solid var(--line);border-bottom:1px solid var(--line);margin:0}
.fixed .label,.field label{color:var(--muted);font-size:.9rem}
.fixed strong{font-size:1.25rem}
.field label{display:block;margin-bottom:.25rem}
.with-unit{display:flex;align-items:center;gap:.5rem}
.with-unit input{flex:1;min-width:0;font:inherit;font-size:1.25rem;padding:.5rem .6rem;border:1px solid var(--muted);border-radius:6px;background:var(--card);color:var(--fg)}
.with-unit input[aria-invalid=true]{border-color:var(--bad)}
.unit{font-weight:600}
.error{color:var(--bad);margin:.35rem 0 0;font-weight:600}
.submit{margin:1.25rem 0 .5rem}
.submit button{width:100%;font-size:1.1rem;padding:.7rem 1rem}
`.trim();

const JS = `
(function(){"use strict";
var me=document.currentScript,evUrl=me&&me.getAttribute("data-events"),stUrl=me&&me.getAttribute("data-status");
var t0=Date.now(),s0=null,back=null,stayed=false;
function $(id){return document.getElementById(id)}
function setup(){var b=document.querySelectorAll("button[data-copy]");for(var i=0;i<b.length;i++)b[i].hidden=false;
var c=$("countdown");t0=Date.now();s0=c?parseInt(c.getAttribute("data-seconds"),10):null;tick();goBack()}
function tick(){var c=$("countdown");if(!c||s0===null)return;var s=Math.max(0,s0-Math.floor((Date.now()-t0)/1000));
c.textContent=Math.floor(s/60)+":"+("0"+s%60).slice(-2)}
function goBack(){var r=$("return");if(!r)return;if(stayed){r.hidden=true;return}var st=$("stay");if(st)st.hidden=false;if(back)return;
var n=parseInt(r.getAttribute("data-seconds"),10),href=r.getAttribute("data-href"),t1=Date.now();
back=setInterval(function(){var left=Math.max(0,n-Math.floor((Date.now()-t1)/1000)),e=$("return-seconds");if(e)e.textContent=String(left);
if(left===0){clearInterval(back);location.assign(href)}},250)}
document.addEventListener("click",function(e){var x=e.target&&e.target.closest&&e.target.closest("#stay");
if(x){stayed=true;if(back)clearInterval(back);var r=$("return");if(r)r.hidden=true;return}
var b=e.target&&e.target.closest&&e.target.closest("button[data-copy]");if(!b)return;
var f=$(b.getAttribute("data-copy"));if(!f)return;var done=function(){b.textContent="Copied";setTimeout(function(){b.textContent="Copy"},2000)};
var sel=function(){var r=document.createRange();r.selectNodeContents(f);var s=getSelection();s.removeAllRanges();s.addRange(r);try{document.execCommand("copy")}catch(x){}done()};
if(navigator.clipboard&&navigator.clipboard.writeText){navigator.clipboard.writeText(f.textContent).then(done,sel)}else sel()});
var es=null,busy=false,again=false,pollT=null;
function poll(){if(!pollT)pollT=setInterval(refresh,10000)}
function refresh(){if(busy){again=true;return}busy=true;var l0=$("live"),st=l0?l0.getAttribute("data-stamp"):"";
fetch(stUrl+"?stamp="+encodeURIComponent(st||""),{cache:"no-store",headers:{Accept:"application/json"}}).then(function(r){return r.status===200?r.json():null}).then(function(j){
busy=false;if(j){var l=$("live");if(l&&j.html){l.outerHTML=j.html;setup()}
var a=$("announce");if(a&&a.textContent!==j.headline)a.textContent=j.headline;if(!j.open){if(es){es.close();es=null}if(pollT){clearInterval(pollT);pollT=null}}}
if(again){again=false;refresh()}},function(){busy=false})}
setup();setInterval(tick,1000);
var live=$("live");
if(evUrl&&window.EventSource&&live&&live.getAttribute("data-open")==="1"){es=new EventSource(evUrl);es.onopen=refresh;es.addEventListener("invoice",refresh);
es.onerror=function(){if(es&&es.readyState===2){es=null;poll()}}}
})();
`.trim();

function hashed(name: string, ext: string, body: string) {
  const h = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/assets/${name}.${h}.${ext}`, body: Buffer.from(body), type: ext === 'css' ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8' };
}

export const STYLESHEET = hashed('checkout', 'css', CSS);
export const SCRIPT = hashed('checkout', 'js', JS);
export const ASSETS = new Map([STYLESHEET, SCRIPT].map((a) => [a.path, a]));
