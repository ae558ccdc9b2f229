// The backup line in the header: when the chosen library was last verified, against what, and
// what was missing then (GET /api/verify). Self-contained; reads only the #library select.
(() => {
  'use strict';
  const sel = document.getElementById('library');
  if (!sel) return;
  const box = document.createElement('span');
  box.id = 'verify-status';
  box.className = 'verify-status';
  sel.insertAdjacentElement('afterend', box);
  const zh = () => (document.documentElement.lang || '').startsWith('zh');
  let shown = null;
  async function refresh() {
    const lib = sel.value;
    if (!lib) { box.textContent = ''; return; }
    let body = null;
    try {
      const r = await fetch(`/api/verify?library=${encodeURIComponent(lib)}`, { credentials: 'same-origin' });
      if (r.ok) body = await r.json();
    } catch (_) { /* offline: keep what is shown */ return; }
    if (sel.value !== lib) return;
    const latest = (body && body.latest) || [];
    if (!latest.length) {
      box.textContent = zh() ? '备份：从未校验' : 'Backup: never verified';
      box.title = 'albumen verify --rclone REMOTE:PATH --hash';
      box.dataset.state = 'never';
      return;
    }
    const parts = latest.map(v => {
      const when = (v.finished_at || '').slice(0, 10);
      const bad = v.missing + v.different + v.unreadable;
      const what = bad === 0
        ? (zh() ? '完好' : 'all there')
        : (zh() ? `缺 ${v.missing}，不同 ${v.different}` : `${v.missing} missing, ${v.different} different`);
      return `${v.target} ${when}: ${what}`;
    });
    box.textContent = (zh() ? '备份 ' : 'Backup ') + parts.join(' · ');
    box.dataset.state = latest.every(v => v.passed) ? 'ok' : 'bad';
    const lines = [];
    for (const v of latest) {
      for (const p of (v.problems && v.problems.missing) || []) lines.push(`${v.target}: ${zh() ? '缺' : 'missing'} ${p}`);
      for (const p of (v.problems && v.problems.different) || []) lines.push(`${v.target}: ${zh() ? '不同' : 'different'} ${p}`);
    }
    box.title = lines.slice(0, 30).join('\n');
    shown = lib;
  }
  sel.addEventListener('change', refresh);
  new MutationObserver(() => { if (sel.value !== shown) refresh(); }).observe(sel, { childList: true });
  setInterval(refresh, 5 * 60 * 1000);
})();
