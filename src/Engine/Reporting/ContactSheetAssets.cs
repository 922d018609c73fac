namespace Reel.Engine.Reporting;

/// <summary>The contact sheet's script and style, inline so <c>out/report.html</c> opens from disk with no other file.</summary>
internal static class ContactSheetAssets
{
    public const string Script = """
        function reelWire(root) {
          root.querySelectorAll('.media').forEach(function (m) {
            var video = m.querySelector('video'), thumb = m.querySelector('.thumb'), play = m.querySelector('.play');
            function show() { video.hidden = false; if (thumb) thumb.hidden = true; play.hidden = true; var s = m.querySelector('.scrub'); if (s) s.hidden = true; }
            m.reelShow = show;
            play.addEventListener('click', function () { show(); video.play().catch(function () {}); });
            if (thumb) thumb.addEventListener('click', function () { play.click(); });
            var scrub = m.querySelector('.scrub'), cols = +m.dataset.spriteColumns, rows = +m.dataset.spriteRows;
            if (!scrub || !(cols > 0 && rows > 0)) return;
            // Hover-scrub: the mouse's x across the thumbnail picks a tile of the spritesheet.
            scrub.style.backgroundImage = 'url(' + JSON.stringify(m.dataset.sprite) + ')';
            scrub.style.backgroundSize = (cols * 100) + '% ' + (rows * 100) + '%';
            m.addEventListener('mousemove', function (e) {
              if (!video.hidden) return;
              var box = m.getBoundingClientRect(), n = cols * rows;
              var i = Math.min(n - 1, Math.max(0, Math.floor((e.clientX - box.left) / box.width * n)));
              var c = i % cols, r = Math.floor(i / cols);
              scrub.style.backgroundPosition = (cols > 1 ? c * 100 / (cols - 1) : 0) + '% ' + (rows > 1 ? r * 100 / (rows - 1) : 0) + '%';
              scrub.dataset.tile = i;
              scrub.hidden = false;
            });
            m.addEventListener('mouseleave', function () { scrub.hidden = true; });
          });
          root.querySelectorAll('.group').forEach(function (g) {
            var btn = g.querySelector('.cmp-play'), scrub = g.querySelector('.cmp-scrub');
            if (!btn) return;
            function videos() { return Array.prototype.slice.call(g.querySelectorAll('video')); }
            btn.addEventListener('click', function () {
              var vs = videos(), playing = vs.some(function (v) { return !v.paused; });
              vs.forEach(function (v) { v.parentNode.reelShow(); if (playing) v.pause(); else v.play().catch(function () {}); });
              btn.textContent = playing ? '▶ play all' : '⏸ pause all';
            });
            scrub.addEventListener('input', function () {
              videos().forEach(function (v) {
                v.parentNode.reelShow();
                if (v.readyState === 0) { v.preload = 'auto'; v.load(); }
                if (v.duration) v.currentTime = v.duration * scrub.value / 1000;
              });
            });
          });
        }
        reelWire(document);

        """;

    public const string LiveScript = """
        (function () {
          var token = new URLSearchParams(location.search).get('token') || '';
          var sheet = document.getElementById('sheet');
          function say(text) { var s = document.querySelector('.status'); if (s) s.textContent = text; }
          function refresh(message) {
            return fetch('/sheet?token=' + encodeURIComponent(token), { cache: 'no-store' })
              .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
              .then(function (html) { sheet.innerHTML = html; reelWire(sheet); if (message) say(message); });
          }
          sheet.addEventListener('click', function (e) {
            var b = e.target.closest('button[data-pick]');
            if (!b) return;
            b.disabled = true;
            fetch('/pick', { method: 'POST', headers: { 'X-Reel-Token': token, 'Content-Type': 'application/json' }, body: JSON.stringify({ step: b.dataset.pick }) })
              .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
              .then(function (x) { if (x.ok) return refresh(x.j.message); b.disabled = false; say(x.j.message); })
              .catch(function () { b.disabled = false; say('the review server did not answer'); });
          });
          var events = new EventSource('/events?token=' + encodeURIComponent(token));
          events.addEventListener('changed', function () { refresh('updated'); });
        })();

        """;

    public const string Css = """
        :root { color-scheme: dark; --bg:#111; --card:#1b1b1d; --fg:#eee; --dim:#999; --accent:#f5b642; }
        body { margin:0; padding:24px; background:var(--bg); color:var(--fg); font:14px/1.45 system-ui, sans-serif; }
        header h1 { margin:0 0 4px; font-size:24px; } .meta { color:var(--dim); margin:0 0 16px; }
        h2 { font-size:16px; text-transform:uppercase; letter-spacing:.08em; color:var(--dim); }
        h2 .dim { text-transform:none; letter-spacing:0; color:#777; font-size:13px; }
        .group { margin:0 0 28px; } .compare { display:flex; gap:10px; align-items:center; margin:0 0 10px; }
        .compare input { flex:1; max-width:480px; } button { background:#2a2a2e; color:var(--fg); border:1px solid #444; border-radius:6px; padding:3px 10px; cursor:pointer; }
        .takes { display:grid; gap:16px; }
        .card.picked { outline:3px solid var(--accent); }
        .media { position:relative; } .media video { display:block; width:100%; aspect-ratio:16/9; background:#000; }
        .media .play { position:absolute; left:8px; bottom:8px; }
        .media .scrub { position:absolute; inset:0; background-repeat:no-repeat; background-color:#000; pointer-events:none; }
        .pick-button { float:right; } .pick-button[aria-pressed="true"] { background:var(--accent); color:#111; }
        .card { background:var(--card); border-radius:10px; overflow:hidden; }
        .card img, .missing { display:block; width:100%; aspect-ratio:16/9; object-fit:contain; background:#000; }
        .missing { display:flex; align-items:center; justify-content:center; color:var(--dim); }
        .body { padding:10px 12px; } .body h3 { margin:0 0 6px; font-size:15px; }
        .prompt { color:#ccc; white-space:pre-wrap; margin:0 0 8px; }
        dl { display:grid; grid-template-columns:auto 1fr; gap:2px 10px; margin:0; color:var(--dim); font-size:12px; }
        dd { margin:0; color:var(--fg); overflow-wrap:anywhere; }
        .badge { font-size:11px; padding:1px 6px; border-radius:8px; vertical-align:middle; background:#333; }
        .badge.done { background:#1f5f2f; } .badge.cached { background:#244a6b; } .badge.failed { background:#7a1f1f; } .badge.skipped { background:#444; } .badge.pick { background:var(--accent); color:#111; } .badge.earlier { background:#5a4a1f; }
        a { color:var(--accent); } footer { margin-top:24px; color:#555; font-size:11px; }

        """;
}
