/**
 * The dashboard's one stylesheet, served from /dashboard/assets/app.css (the CSP allows no inline style).
 * Colours keep at least 4.5:1 contrast on their backgrounds; the layout is one column on a phone.
 */
export const STYLESHEET = `
:root { color-scheme: light; --fg: #1a1a1a; --muted: #505050; --bg: #ffffff; --panel: #f4f5f7; --line: #d0d4da;
  --accent: #0b57d0; --ok: #146c2e; --bad: #b3261e; --warn: #7a4d00; --focus: #ffbf47; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; } .skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; z-index: 2; }
header.top { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; padding: .75rem 1rem; background: #1f2937; color: #fff; }
header.top a { color: #fff; }
header.top nav ul { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; margin: 0; padding: 0; }
header.top .who { display: flex; gap: .75rem; align-items: center; font-size: .9rem; }
header.top button { background: transparent; color: #fff; border: 1px solid #fff; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; } h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; }
.muted { color: var(--muted); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 1rem; margin: 1rem 0; }
.notice { border-left: 6px solid var(--ok); } .error { border-left: 6px solid var(--bad); } .warning { border-left: 6px solid var(--warn); }
table { width: 100%; border-collapse: collapse; margin: .5rem 0; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; background: var(--panel); }
.table-wrap { overflow-x: auto; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9rem; }
pre { background: var(--panel); border: 1px solid var(--line); padding: .75rem; overflow-x: auto; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem; border: 1px solid currentColor; white-space: nowrap; }
.badge.ok { color: var(--ok); } .badge.bad { color: var(--bad); } .badge.warn { color: var(--warn); } .badge.info { color: var(--accent); }
button, .button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: var(--bg); color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
label { font-weight: 600; display: block; margin: .5rem 0 .25rem; }
input[type=text], input[type=password], input[type=search], select, textarea { font: inherit; padding: .45rem; border: 1px solid #6b7280; border-radius: 6px; width: 100%; max-width: 32rem; background: #fff; color: var(--fg); }
textarea { min-height: 4rem; }
.check label { display: inline; font-weight: normal; }
.inline-form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-end; }
.inline-form label { margin: 0 0 .25rem; }
.candidate { border: 1px solid var(--line); border-radius: 6px; padding: .75rem; margin: .5rem 0; }
.candidate label { display: inline; }
.candidate ul { margin: .25rem 0 0 1.25rem; padding: 0; }
.diff { width: 100%; table-layout: fixed; }
.diff td { padding: 0 .5rem; border: none; white-space: pre-wrap; word-break: break-all; font-family: ui-monospace, monospace; font-size: .85rem; }
.diff .add { background: #e6f4ea; } .diff .del { background: #fce8e6; } .diff .hunk { color: var(--muted); background: var(--panel); }
.bar-chart text { font-size: 12px; fill: var(--fg); }
.pager { display: flex; gap: 1rem; margin: .5rem 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; } dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
@media (max-width: 40rem) {
  main { padding: .5rem; } th, td { padding: .35rem .3rem; font-size: .9rem; }
  .hide-small { display: none; } dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: .5rem; }
}
`;
