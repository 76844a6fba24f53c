import { hashedAsset } from '../assets.js';

/**
 * The invoice pages' own stylesheet and script. The script only adds totals as you type
 * and a line added without a round trip; the form works without it (the server works the
 * totals out again on every submit). Money is BigInt here too, never a float.
 */
const CSS = `
.inv-head{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem;margin:.25rem 0 1rem}
.inv-head h1{margin:0}
.card>h2:first-child,.card>h3:first-child{margin-top:0}
.grid.cards{margin:0 0 1rem}
.grid.cards>.card{margin:0}
.pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
pre.meta{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;font-size:.88rem}
.filters .grow{grid-column:1/-1}
.filters .buttons{display:flex;gap:.5rem;align-items:center}
.count{margin:.25rem 0 .5rem}
tr.sub td{border-bottom:0;padding-top:0;font-size:.88rem}
td.sum{font-weight:650}
.deliveries{margin:.25rem 0 0;padding:0;list-style:none;font-size:.88rem}
.deliveries li{margin:.15rem 0}
.lines fieldset{border:0;border-top:1px solid var(--line);margin:0;padding:.5rem 0;min-width:0}
.lines legend{font-weight:600;font-size:.85rem;color:var(--muted);padding:0}
.lines .row{display:grid;gap:0 .75rem;grid-template-columns:1fr 1fr}
.lines .row .desc{grid-column:1/-1}
.lines .field label{margin:.35rem 0 .15rem;font-size:.85rem}
.lines .amount{grid-column:1/-1;text-align:right;font-variant-numeric:tabular-nums;margin:.3rem 0 0;min-height:1.5em}
@media (min-width:48rem){
 .lines legend{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
 .lines fieldset{border-top:0;padding:.15rem 0}
 .lines .row{grid-template-columns:1fr 7rem 9rem 8rem;align-items:start}
 .lines .row .desc,.lines .amount{grid-column:auto}
 .lines .amount{margin:0;padding:.45rem 0}
 .lines fieldset:first-of-type .amount{margin-top:1.775rem}
 .lines fieldset+fieldset .field label{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);margin:0}
}
.two{display:grid;gap:0 1rem;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr))}
fieldset.methods{border:0;padding:0;margin:.75rem 0 0}
fieldset.methods legend{font-weight:600;padding:0;margin:0 0 .25rem}
dl.totals{display:grid;grid-template-columns:1fr max-content;gap:.2rem 1rem;max-width:22rem;margin:0 0 0 auto;font-variant-numeric:tabular-nums}
dl.totals dt{color:var(--muted)}
dl.totals dd{margin:0;text-align:right}
dl.totals .grand{font-weight:700;font-size:1.1rem;color:var(--fg)}
.default-submit{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}
td.nowrap{white-space:nowrap}
td.nowrap code{overflow-wrap:normal}
@media (max-width:40rem){
 table.collapse,table.collapse tbody{display:block;width:100%}
 table.collapse thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
 table.collapse tr{display:block;border-bottom:1px solid var(--line);padding:.4rem 0}
 table.collapse td{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;border:0;padding:.15rem .25rem;text-align:right;min-width:0}
 table.collapse td>*{min-width:0;overflow-wrap:anywhere}
 table.collapse td.nowrap{white-space:normal}
 table.collapse td.num{white-space:normal}
 table.collapse td::before{content:attr(data-label);flex:0 0 auto;color:var(--muted);font-size:.85rem;text-align:left;font-weight:600}
 table.collapse td.first{font-size:1.05rem}
 dl.facts{grid-template-columns:1fr}
 dl.facts dd{margin-bottom:.35rem}
}
`.trim();

const JS = `
(function(){"use strict";
var form=document.querySelector("form[data-invoice-form]");if(!form)return;
function scaled(text,places){text=String(text||"").trim();if(text==="")return null;
var m=/^([0-9]+)(?:\\.([0-9]*))?$/.exec(text);if(!m)return undefined;var frac=m[2]||"";
if(frac.length>places)return undefined;while(frac.length<places)frac+="0";return BigInt(m[1]+frac)}
function pow(n){var p=1n;for(var i=0;i<n;i++)p*=10n;return p}
function half(n,d){return (n*2n+d)/(2n*d)}
function fmt(v,places){var neg=v<0n;if(neg)v=-v;var s=v.toString();if(places===0)return (neg?"-":"")+s;
while(s.length<=places)s="0"+s;return (neg?"-":"")+s.slice(0,s.length-places)+"."+s.slice(s.length-places)}
function minorOf(code){var o=document.querySelector('#currencies option[value="'+String(code||"").toUpperCase().replace(/[^A-Z]/g,"")+'"]');
return o?Number(o.getAttribute("data-minor")):null}
function set(id,t){var e=document.getElementById(id);if(e)e.textContent=t}
function recompute(){
var cur=form.elements.namedItem("currency");var code=cur?String(cur.value).toUpperCase():"";var minor=minorOf(code);
var rows=form.querySelectorAll("fieldset[data-line]");var sub=0n;var bad=minor===null;
rows.forEach(function(r){var d=r.querySelector("input[name$=_description]"),q=r.querySelector("input[name$=_quantity]"),p=r.querySelector("input[name$=_unit_price]"),out=r.querySelector("[data-amount]");
var used=(d.value.trim()!==""||p.value.trim()!=="");if(!used){if(out)out.textContent="";return}
if(minor===null){if(out)out.textContent="—";return}
var qv=q.value.trim()===""?1000000n:scaled(q.value,6);var pv=scaled(p.value,minor);
if(qv===undefined||qv===null||pv===undefined||pv===null||qv===0n){bad=true;if(out)out.textContent="—";return}
var a=half(qv*pv,1000000n);sub+=a;if(out)out.textContent=fmt(a,minor)});
var tr=scaled(form.elements.namedItem("tax_rate").value,4);if(tr===undefined)bad=true;if(tr===null)tr=0n;
var disc=minor===null?undefined:scaled(form.elements.namedItem("discount_amount").value,minor);if(disc===undefined)bad=true;if(disc===null)disc=0n;
if(bad){["t-subtotal","t-tax","t-discount","t-total"].forEach(function(i){set(i,"—")});set("t-currency",code);return}
var tax=tr?half(sub*tr,1000000n):0n;var total=sub+tax-disc;if(total<0n)total=0n;
set("t-subtotal",fmt(sub,minor));set("t-tax",fmt(tax,minor));set("t-discount",fmt(disc,minor));set("t-total",fmt(total,minor));set("t-currency",code);
var note=document.getElementById("t-note");if(note)note.hidden=true}
form.addEventListener("input",recompute);
form.querySelectorAll("button[data-nojs]").forEach(function(b){b.hidden=true});
var add=form.querySelector("button[value=add]");
if(add)add.addEventListener("click",function(e){var rows=form.querySelectorAll("fieldset[data-line]");var last=rows[rows.length-1];if(!last)return;e.preventDefault();
var n=rows.length;var c=last.cloneNode(true);c.setAttribute("data-line",String(n));
c.querySelectorAll("[id],[for],[name],[aria-describedby]").forEach(function(el){["id","for","name","aria-describedby"].forEach(function(a){var v=el.getAttribute(a);if(v)el.setAttribute(a,v.replace(/line[0-9]+_/g,"line"+n+"_"))})});
c.querySelectorAll("input").forEach(function(i){i.value="";i.removeAttribute("aria-invalid")});c.querySelectorAll(".error").forEach(function(x){x.remove()});
var lg=c.querySelector("legend");if(lg)lg.textContent="Line "+(n+1);var out=c.querySelector("[data-amount]");if(out)out.textContent="";
last.parentNode.insertBefore(c,last.nextSibling);var count=form.elements.namedItem("rows");if(count)count.value=String(n+1);
var first=c.querySelector("input");if(first)first.focus()});
recompute();
})();
`.trim();

export const INVOICES_STYLESHEET = hashedAsset('admin-invoices', 'css', CSS);
export const INVOICES_SCRIPT = hashedAsset('admin-invoices', 'js', JS);
