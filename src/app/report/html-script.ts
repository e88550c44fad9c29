/**
 * The page's own script, inlined as text (a plain string, so no build step or coverage
 * instrumentation ever ends up in the browser). It sorts and filters the server-rendered table:
 * rows are toggled with `hidden` and re-ordered in one DocumentFragment, which stays well under
 * a frame budget per thousand rows. No request leaves the page.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var table = document.getElementById('instances');
  if (!table) return;
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var tierSel = document.getElementById('filter-tier');
  var regionSel = document.getElementById('filter-region');
  var problems = document.getElementById('filter-problems');
  var search = document.getElementById('filter-text');
  var shown = document.getElementById('shown-count');
  var keys = rows.map(function (r) {
    return {
      row: r,
      tier: r.getAttribute('data-tier'),
      regions: ' ' + r.getAttribute('data-region') + ' ' + r.getAttribute('data-dr-region') + ' ',
      problem: r.getAttribute('data-problem') === 'true',
      text: r.getAttribute('data-instance').toLowerCase() + ' ' + (r.getAttribute('data-product') || '').toLowerCase(),
      cells: Array.prototype.map.call(r.cells, function (c) { return c.getAttribute('data-sort') || c.textContent; })
    };
  });

  // Only a page of matching rows is laid out at a time: a table of thousands of rows costs
  // seconds of layout on every sort (measured at 5,000 rows in test/browser/dashboard.test.ts).
  var PAGE = 250;
  var limit = PAGE;
  var more = document.getElementById('show-more');
  var all = document.getElementById('show-all');
  function applyFilters() {
    var tier = tierSel.value, region = regionSel.value, onlyProblems = problems.checked;
    var text = search.value.trim().toLowerCase();
    var matching = 0, visibleCount = 0;
    for (var i = 0; i < keys.length; i++) {
      var k = keys[i];
      var match = (tier === '' || k.tier === tier) &&
        (region === '' || k.regions.indexOf(' ' + region + ' ') >= 0) &&
        (!onlyProblems || k.problem) &&
        (text === '' || k.text.indexOf(text) >= 0);
      var visible = match && matching < limit;
      if (match) matching++;
      if (visible) visibleCount++;
      if (k.row.hidden === visible) k.row.hidden = !visible;
    }
    shown.textContent = 'Showing ' + visibleCount + ' of ' + matching + ' matching (' + keys.length + ' instances)';
    more.hidden = all.hidden = visibleCount >= matching;
  }
  function refilter() { limit = PAGE; applyFilters(); }
  more.addEventListener('click', function () { limit += PAGE; applyFilters(); });
  all.addEventListener('click', function () { limit = Infinity; applyFilters(); });

  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  function sortBy(col, numeric) {
    var th = headers[col];
    var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
    headers.forEach(function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', dir);
    var sign = dir === 'ascending' ? 1 : -1;
    keys.sort(function (a, b) {
      var x = a.cells[col], y = b.cells[col];
      if (numeric) {
        x = x === '' ? Infinity : Number(x); y = y === '' ? Infinity : Number(y);
        if (x !== y) return x < y ? -sign : sign;
      } else if (x !== y) {
        return x < y ? -sign : sign;
      }
      return a.cells[0] < b.cells[0] ? -1 : a.cells[0] > b.cells[0] ? 1 : 0;
    });
    var frag = document.createDocumentFragment();
    for (var i = 0; i < keys.length; i++) frag.appendChild(keys[i].row);
    tbody.appendChild(frag);
    applyFilters();
    document.getElementById('sort-status').textContent = 'sorted by ' + th.textContent.trim() + ', ' + dir;
  }
  headers.forEach(function (th, col) {
    var button = th.querySelector('button');
    if (button) button.addEventListener('click', function () { sortBy(col, th.getAttribute('data-numeric') === 'true'); });
  });
  [tierSel, regionSel, problems].forEach(function (el) { el.addEventListener('change', refilter); });
  search.addEventListener('input', refilter);
  applyFilters();
  document.documentElement.setAttribute('data-ready', 'true');
})();
`;

/**
 * The token page `serve` answers with when it needs a token and the request carried none:
 * the token is kept for the tab (sessionStorage) and sent as a bearer header; the dashboard
 * then replaces this page. Nothing is stored server-side.
 */
export const TOKEN_SCRIPT = String.raw`
(function () {
  'use strict';
  var form = document.getElementById('token-form');
  var input = document.getElementById('token');
  var message = document.getElementById('token-message');
  function load(token) {
    fetch(location.pathname, { headers: { Authorization: 'Bearer ' + token } }).then(function (res) {
      if (res.status === 401) { sessionStorage.removeItem('snapward-token'); message.textContent = 'That token was refused.'; input.focus(); return null; }
      if (!res.ok) { message.textContent = 'The server answered ' + res.status + '.'; return null; }
      return res.text();
    }).then(function (html) {
      if (html === null) return;
      sessionStorage.setItem('snapward-token', token);
      document.open(); document.write(html); document.close();
    }, function () { message.textContent = 'The server could not be reached.'; });
  }
  var saved = sessionStorage.getItem('snapward-token');
  if (saved) load(saved);
  form.addEventListener('submit', function (e) { e.preventDefault(); if (input.value) load(input.value); });
})();
`;
