// The dashboard's script (plain ES module, no dependencies, nothing fetched from outside this server). It reads
// /v1/health, /v1/indicators, /v1/indicators/{code}/series and /v1/indicators/{code}/values, draws the
// province series against its targets as SVG and fills the commune table. The chosen indicator and year live
// in the URL hash (#CODE/YEAR). When a view is drawn, <body data-rendered="CODE/YEAR"> is set (the browser
// test waits for it).

const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["#0b6e4f", "#2c6fbb", "#b8641b", "#7a4fb3", "#3b8d99", "#9c3d54"];

const STATUS = {
  met: ["Đạt", "met"],
  on_track: ["Đúng lộ trình", "on track"],
  off_track: ["Chậm so với lộ trình", "off track"],
  no_data: ["Chưa có số liệu", "no data"],
  no_target: ["Không có chỉ tiêu", "no target"],
  suppressed: ["Ẩn (ô nhỏ)", "withheld: small cell"],
};

const UNITS = {
  percent: ["%", "%"],
  per_1000_people: ["‰ dân", "per 1,000 people"],
  count: ["", "count"],
  rank: ["hạng", "rank"],
  percent_yoy: ["% so với năm trước", "% year on year"],
};

const OPS = { ">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "=" };

const $ = (id) => document.getElementById(id);

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
};

const svg = (tag, attrs = {}, text) => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};

const bilingual = (vi, en) => {
  const span = el("span", {}, vi);
  span.append(el("span", { class: "en" }, en));
  return span;
};

const fmt = (x, digits = 1) =>
  x === null || x === undefined
    ? "—"
    : x.toLocaleString("vi-VN", { maximumFractionDigits: Math.abs(x) >= 1000 ? 0 : digits });

const api = async (path) => {
  const r = await fetch(path, { headers: { accept: "application/json" } });
  const body = await r.json().catch(() => ({ message: r.statusText }));
  if (!r.ok) throw new Error(`${r.status} ${body.code ?? ""}: ${body.message}`);
  return body;
};

const state = { indicators: [], years: [2019, 2025] };

const statusBadge = (status) => {
  const [vi, en] = STATUS[status] ?? [status, status];
  const b = el("span", { class: `status status-${status}` }, vi);
  b.append(el("span", { class: "en" }, en));
  return b;
};

/** Round numbers for a y axis from 0 (or the minimum, if negative) to max. */
const ticks = (lo, hi) => {
  const span = hi - lo || 1;
  const step0 = span / 5;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 0.001; v += step) out.push(Number(v.toFixed(10)));
  return out;
};

const drawChart = (series, entry) => {
  const W = 760;
  const H = 330;
  const m = { l: 64, r: 24, t: 20, b: 40 };
  const years = [];
  for (let y = series.from; y <= series.to; y++) years.push(y);
  const byBreakdown = new Map();
  for (const p of series.points) {
    if (!byBreakdown.has(p.breakdown)) byBreakdown.set(p.breakdown, []);
    byBreakdown.get(p.breakdown).push(p);
  }
  const targets = series.targets.filter((t) => t.year >= series.from && t.year <= series.to);
  const numbers = [
    ...series.points.flatMap((p) => [p.value, p.breakdown === "" || byBreakdown.size === 1 ? p.trajectory : null]),
    ...targets.map((t) => t.value),
  ].filter((x) => typeof x === "number");
  const lo = Math.min(0, ...numbers);
  const hi = Math.max(1, ...numbers) * 1.08;
  const yTicks = ticks(lo, hi);
  const yMax = yTicks[yTicks.length - 1];
  const yMin = yTicks[0];
  const x = (year) => m.l + ((year - series.from) / Math.max(1, series.to - series.from)) * (W - m.l - m.r);
  const y = (v) => H - m.b - ((v - yMin) / (yMax - yMin || 1)) * (H - m.t - m.b);

  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, "data-points": series.points.length });
  root.append(svg("rect", { x: 0, y: 0, width: W, height: H, fill: "#ffffff" }));
  for (const t of yTicks) {
    root.append(svg("line", { x1: m.l, x2: W - m.r, y1: y(t), y2: y(t), stroke: "#e3e8ee" }));
    root.append(
      svg("text", { x: m.l - 8, y: y(t) + 4, "text-anchor": "end", "font-size": 12, fill: "#55606c" }, fmt(t)),
    );
  }
  for (const yr of years) {
    root.append(
      svg("text", { x: x(yr), y: H - m.b + 18, "text-anchor": "middle", "font-size": 12, fill: "#55606c" }, yr),
    );
  }
  root.append(svg("line", { x1: m.l, x2: W - m.r, y1: y(yMin), y2: y(yMin), stroke: "#8a939e" }));
  const [unitVi, unitEn] = UNITS[entry.unit] ?? [entry.unit, entry.unit];
  root.append(
    svg(
      "text",
      {
        x: 14,
        y: m.t + (H - m.t - m.b) / 2,
        transform: `rotate(-90 14 ${m.t + (H - m.t - m.b) / 2})`,
        "text-anchor": "middle",
        "font-size": 12,
        fill: "#55606c",
      },
      unitVi === unitEn ? unitVi : `${unitVi || "số lượng"} (${unitEn})`,
    ),
  );

  // trajectory (the path to the target) of the main series
  const main = byBreakdown.get("") ?? [...byBreakdown.values()][0] ?? [];
  const traj = main.filter((p) => p.trajectory !== null);
  if (traj.length > 1) {
    root.append(
      svg("polyline", {
        class: "trajectory",
        points: traj.map((p) => `${x(p.year)},${y(p.trajectory)}`).join(" "),
        fill: "none",
        stroke: "#8a939e",
        "stroke-width": 2,
        "stroke-dasharray": "6 5",
      }),
    );
  }
  // targets
  for (const t of targets) {
    const cx = x(t.year);
    const cy = y(t.value);
    root.append(
      svg("path", {
        class: "target",
        d: `M ${cx} ${cy - 8} L ${cx + 8} ${cy} L ${cx} ${cy + 8} L ${cx - 8} ${cy} Z`,
        fill: "#c0392b",
      }),
    );
    root.append(
      svg(
        "text",
        { x: cx - 10, y: cy - 10, "text-anchor": "end", "font-size": 12, fill: "#c0392b", "font-weight": 600 },
        `${OPS[t.op] ?? t.op} ${fmt(t.value)}`,
      ),
    );
  }
  // values, one line per breakdown
  let i = 0;
  const legend = $("legend");
  legend.replaceChildren();
  for (const [breakdown, points] of byBreakdown) {
    const colour = PALETTE[i++ % PALETTE.length];
    const valued = points.filter((p) => p.value !== null);
    if (valued.length > 1) {
      root.append(
        svg("polyline", {
          class: "series-line",
          points: valued.map((p) => `${x(p.year)},${y(p.value)}`).join(" "),
          fill: "none",
          stroke: colour,
          "stroke-width": 3,
        }),
      );
    }
    for (const p of valued) {
      const dot = svg("circle", { class: "series-point", cx: x(p.year), cy: y(p.value), r: 4.5, fill: colour });
      dot.append(
        svg(
          "title",
          {},
          `${p.year}${breakdown ? ` ${breakdown}` : ""}: ${fmt(p.value, 2)} (${STATUS[p.status]?.[0] ?? p.status})`,
        ),
      );
      root.append(dot);
    }
    const sw = el("span", { class: "swatch" });
    sw.style.background = colour;
    legend.append(
      el("li", {}, sw, bilingual(breakdown ? `Toàn tỉnh — ${breakdown}` : "Giá trị toàn tỉnh", "province value")),
    );
  }
  legend.append(
    el(
      "li",
      {},
      el("span", { class: "swatch dashed" }),
      bilingual("Lộ trình đến chỉ tiêu", "trajectory to the target"),
    ),
  );
  legend.append(el("li", {}, el("span", { class: "swatch diamond" }), bilingual("Chỉ tiêu", "target")));
  const later = series.targets.filter((t) => t.year > series.to);
  if (later.length > 0) {
    legend.append(
      el(
        "li",
        {},
        bilingual(
          `Chỉ tiêu sau ${series.to}: ${later.map((t) => `${OPS[t.op] ?? t.op} ${fmt(t.value)} (${t.year})`).join("; ")}`,
          "later targets",
        ),
      ),
    );
  }
  $("chart").replaceChildren(root);
};

const drawTable = (values, entry) => {
  const rows = [...values.values].sort((a, b) => {
    if (a.value === null && b.value === null) return a.geo < b.geo ? -1 : 1;
    if (a.value === null) return 1;
    if (b.value === null) return -1;
    return entry.direction === "lower_is_better" ? a.value - b.value : b.value - a.value;
  });
  const max = Math.max(0, ...rows.map((r) => r.value ?? 0));
  const hasBreakdown = rows.some((r) => r.breakdown !== "");
  $("communes").classList.toggle("hide-breakdown", !hasBreakdown);
  const body = $("communes").querySelector("tbody");
  body.replaceChildren();
  for (const r of rows) {
    const bar = el("div", { class: "bar" });
    bar.style.width = `${max > 0 && r.value !== null ? Math.max(1, (100 * r.value) / max) : 0}%`;
    body.append(
      el(
        "tr",
        { "data-geo": r.geo },
        el("td", {}, r.geo),
        el("td", {}, r.geoName),
        el("td", { class: "breakdown-col" }, r.breakdown),
        el("td", { class: "num" }, fmt(r.value, 2)),
        el("td", { class: "bar-col" }, bar),
        el("td", { class: "num" }, fmt(r.numerator, 0)),
        el("td", { class: "num" }, fmt(r.denominator, 0)),
        el("td", {}, statusBadge(r.status)),
      ),
    );
  }
  if (rows.length === 0) {
    body.append(
      el(
        "tr",
        {},
        el(
          "td",
          { colspan: "8" },
          bilingual("Chỉ tiêu này chỉ có số liệu cấp tỉnh.", "This indicator exists for the province only."),
        ),
      ),
    );
  }
  const p = values.province;
  const line = $("province-line");
  line.replaceChildren(
    bilingual(`Toàn tỉnh năm ${values.year}: ${p ? fmt(p.value, 2) : "—"}`, `province ${values.year}`),
    " ",
  );
  if (p) line.append(statusBadge(p.status));
};

const render = async () => {
  const code = $("indicator").value;
  const year = Number($("year").value);
  location.hash = `${code}/${year}`;
  $("year-label").textContent = String(year);
  const entry = state.indicators.find((e) => e.code === code);
  $("title").textContent = `${entry.nameVi}`;
  $("subtitle").textContent = `${entry.nameEn} · ${entry.code}`;
  const targets = $("targets");
  targets.replaceChildren(
    ...entry.targets.map((t) =>
      el(
        "li",
        {},
        bilingual(
          `Chỉ tiêu ${t.year}: ${OPS[t.op] ?? t.op} ${fmt(t.value)} ${(UNITS[entry.unit] ?? [""])[0]} — ${t.source.number ?? t.source.document}, ${t.source.section}`,
          t.source.titleEn ?? "",
        ),
      ),
    ),
  );
  $("error").hidden = true;
  try {
    const [series, values] = await Promise.all([
      api(`/v1/indicators/${encodeURIComponent(code)}/series?geo=province`),
      api(`/v1/indicators/${encodeURIComponent(code)}/values?year=${year}&level=commune`),
    ]);
    drawChart(series, entry);
    drawTable(values, entry);
    $("meta").replaceChildren(
      bilingual(
        `Số liệu theo sổ sự kiện đến vị trí ${series.position.toLocaleString("vi-VN")}`,
        `figures as of log position ${series.position}`,
      ),
    );
    document.body.dataset.rendered = `${code}/${year}`;
  } catch (e) {
    $("error").textContent = `Không tải được số liệu / could not load the figures: ${e.message}`;
    $("error").hidden = false;
    document.body.dataset.rendered = `error:${code}/${year}`;
  }
};

const start = async () => {
  const [health, catalog] = await Promise.all([api("/v1/health"), api("/v1/indicators")]);
  state.indicators = catalog.indicators;
  state.years = [health.years.first, health.years.last];
  const [hashCode, hashYear] = location.hash.slice(1).split("/");
  const sel = $("indicator");
  for (const e of state.indicators) sel.append(el("option", { value: e.code }, `${e.nameVi} (${e.code})`));
  const ysel = $("year");
  for (let y = state.years[1]; y >= state.years[0]; y--) ysel.append(el("option", { value: String(y) }, String(y)));
  sel.value = state.indicators.some((e) => e.code === hashCode) ? hashCode : (state.indicators[0]?.code ?? "");
  const wanted = Number(hashYear);
  ysel.value = String(wanted >= state.years[0] && wanted <= state.years[1] ? wanted : Math.min(2025, state.years[1]));
  sel.addEventListener("change", render);
  ysel.addEventListener("change", render);
  await render();
};

start().catch((e) => {
  $("error").textContent = `Không tải được bảng theo dõi / could not load the dashboard: ${e.message}`;
  $("error").hidden = false;
  document.body.dataset.rendered = "error";
});
