// The dashboard's script (plain ES module; nothing fetched from outside this server). It reads the API's JSON
// routes (/v1/health, /v1/labels, /v1/indicators, /v1/scorecard, /v1/indicators/{code}/series and /values,
// /v1/series, /v1/communes/{code}/profile) and the communes' map the build makes (/dashboard/communes.topo.json,
// decoded by topojson-client, loaded before this script as the global `topojson`).
//
// Views follow the URL hash (see index.html); the year picker drives all of them. When a view is drawn,
// <body data-rendered="..."> names it (the browser test waits for it): scorecard/Y, indicator/CODE/Y,
// commune/GEO/CODE/Y, compare/CODE/GEO,GEO/Y, or error:<reason>.
//
// Every chart is an SVG whose plot area (rect.plot-area) holds every point (.series-point) and target marker
// (.target) whole: the value axis runs from a round number at or below the smallest value to one at or above
// the largest, with room for the markers inside; for a lower-is-better indicator (a rank) it runs downwards,
// so that better is up. Each chart has its data table and CSV/PNG downloads of what it shows.

const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["#0b6e4f", "#2c6fbb", "#b8641b", "#7a4fb3", "#3b8d99", "#9c3d54", "#5b6b16", "#c2417f"];
const VALUE_CLASSES = ["#e5f5e0", "#a1d99b", "#5fb671", "#2a8c4a", "#005a32"];
const STATUS_COLOURS = {
  met: "#1a7f37",
  on_track: "#8cc084",
  off_track: "#d1495b",
  missed: "#9b1c2e",
  baseline: "#b9c0c8",
  no_data: "#e6e8eb",
  no_target: "#b9c0c8",
  suppressed: "url(#withheld)",
};
/** The series break every commune series has: the communes were merged on 1 July 2025. */
const BOUNDARY_BREAK = [
  "Xã, phường theo địa giới từ 1/7/2025; số liệu các năm trước được cộng từ các xã cũ đã sáp nhập vào.",
  "communes as bounded since 1 July 2025; earlier years add up the old communes merged into each",
];
const OPS = { ">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "=" };

const $ = (id) => document.getElementById(id);

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  for (const c of children) if (c !== undefined && c !== null) e.append(c);
  return e;
};

const svg = (tag, attrs = {}, text) => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};

const en = (text) => el("span", { class: "en", lang: "en" }, text);

const bilingual = (vi, english) => {
  const span = el("span", {}, vi);
  if (english) span.append(en(english));
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
  return shownStatus(body);
};

/**
 * The API gives a withheld figure no status (null) and says `suppressed`; the page shows such a figure as
 * "suppressed" wherever it shows a status (colour, badge, table), so it is set so once, on arrival.
 */
const shownStatus = (x) => {
  if (Array.isArray(x)) for (const y of x) shownStatus(y);
  else if (x !== null && typeof x === "object") {
    if (x.suppressed === true && x.status === null) x.status = "suppressed";
    for (const v of Object.values(x)) if (v !== null && typeof v === "object") shownStatus(v);
  }
  return x;
};

/** The quality flags a figure carries (the API's provisional, estimated, breakInSeries, implausible). */
const flagsOf = (f) =>
  [
    f?.provisional && "provisional",
    f?.estimated && "estimated",
    f?.breakInSeries && "break_in_series",
    f?.implausible && "implausible",
  ].filter(Boolean);
const flagText = (f) =>
  flagsOf(f)
    .map((k) => label("flag", k).vi)
    .join(", ");

const state = {
  indicators: [],
  byCode: new Map(),
  communes: [],
  communeName: new Map(),
  labels: { status: {}, flag: {}, unit: {}, area: {}, breakdown: {} },
  years: [2019, 2025],
  health: null,
  topo: null,
  view: null,
};

// a status is null where it is withheld (it would tell where a withheld value lies: docs/semantics.md)
const WITHHELD_STATUS = { vi: "Không công bố đánh giá", en: "Status withheld" };
const label = (list, code) =>
  code === null || code === undefined
    ? list === "status"
      ? WITHHELD_STATUS
      : { vi: "—", en: "—" }
    : (state.labels[list]?.[code] ?? { vi: code, en: code });
const unitShort = (entry) => state.labels.unit[entry.unit]?.short ?? "";
const withUnit = (entry, v, digits) => (v === null || v === undefined ? "—" : `${fmt(v, digits)}${unitShort(entry)}`);
const breakdownName = (b) => (b === "" ? "" : label("breakdown", b).vi);

const statusBadge = (status) => {
  const l = label("status", status);
  const b = el("span", { class: `status status-${status ?? "withheld"}` }, l.vi);
  b.append(en(l.en));
  return b;
};

const targetText = (entry, t) => `${OPS[t.op] ?? t.op} ${withUnit(entry, t.value)} (${t.year})`;

const dateVi = (iso) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleDateString("vi-VN", { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" });
};

// ---------------------------------------------------------------------------------------------------------
// The hash: views and the year

const parseHash = () => {
  const raw = decodeURIComponent(location.hash.slice(1));
  if (/^[A-Z0-9_]+(\/\d{4})?$/.test(raw)) {
    // the older form #CODE/YEAR
    const [indicator, year] = raw.split("/");
    return { indicator, year: year === undefined ? null : Number(year) };
  }
  const p = new URLSearchParams(raw);
  const out = {};
  for (const k of ["indicator", "commune", "compare"]) if (p.get(k)) out[k] = p.get(k);
  if (p.get("year")) out.year = p.get("year") === "latest" ? null : Number(p.get("year"));
  return out;
};

const hashOf = (v) => {
  const p = new URLSearchParams();
  if (v.compare) p.set("compare", v.compare);
  if (v.commune) p.set("commune", v.commune);
  if (v.indicator) p.set("indicator", v.indicator);
  const year = "year" in v ? v.year : currentYear();
  p.set("year", year === null || year === undefined ? "latest" : String(year));
  return `#${p.toString().replaceAll("%2C", ",")}`;
};

/** The year picked, or null for the latest figure of each indicator (the default). */
const currentYear = () => ($("year").value === "latest" ? null : Number($("year").value));
const yearName = (year) => (year === null ? "latest" : String(year));

const link = (view, ...children) => el("a", { href: hashOf({ year: currentYear(), ...view }) }, ...children);

// ---------------------------------------------------------------------------------------------------------
// Tooltips: one box, shown for any element with data-tip on hover and keyboard focus

const tooltip = () => $("tooltip");
const showTip = (target) => {
  const t = tooltip();
  t.replaceChildren(...target.dataset.tip.split("\n").map((line) => el("div", {}, line)));
  t.hidden = false;
  const r = target.getBoundingClientRect();
  const box = t.getBoundingClientRect();
  const left = Math.min(
    Math.max(4, r.left + r.width / 2 - box.width / 2),
    document.documentElement.clientWidth - box.width - 4,
  );
  const top = r.top - box.height - 8 < 4 ? r.bottom + 8 : r.top - box.height - 8;
  t.style.left = `${left + window.scrollX}px`;
  t.style.top = `${top + window.scrollY}px`;
};
const hideTip = () => {
  tooltip().hidden = true;
};
for (const ev of ["mouseover", "focusin"]) {
  document.addEventListener(ev, (e) => {
    const target = e.target.closest?.("[data-tip]");
    if (target) showTip(target);
  });
}
for (const ev of ["mouseout", "focusout"]) {
  document.addEventListener(ev, (e) => {
    if (e.target.closest?.("[data-tip]")) hideTip();
  });
}
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") hideTip();
});

/** A figure's tooltip: value, numerator, denominator, flags, target and the vintage. */
const figureTip = (entry, who, f) => {
  const lines = [
    `${who}${f.breakdown ? ` · ${breakdownName(f.breakdown)}` : ""} · ${f.year}`,
    `Giá trị / value: ${withUnit(entry, f.value, 2)}`,
    `Tử số / numerator: ${fmt(f.numerator, 0)} · Mẫu số / denominator: ${fmt(f.denominator, 0)}`,
    `Đánh giá / status: ${label("status", f.status).vi} (${label("status", f.status).en})`,
  ];
  if (f.targetValue !== null && f.targetValue !== undefined) {
    lines.push(
      `Chỉ tiêu / target: ${OPS[f.targetOp] ?? f.targetOp} ${withUnit(entry, f.targetValue)} (${f.targetYear})`,
    );
  }
  if (f.status === "baseline") lines.push(`Năm gốc / baseline: ${f.baselineYear}`);
  if (f.suppressed) lines.push("Cờ / flag: ẩn vì ô nhỏ (withheld: small cell)");
  if (f.publication) lines.push(`Công bố / publication: ${f.publication}`);
  for (const k of flagsOf(f)) lines.push(`Cờ / flag: ${label("flag", k).vi} (${label("flag", k).en})`);
  if (f.implausibleReason) lines.push(`Lý do / reason: ${f.implausibleReason}`);
  lines.push(`Kỳ số liệu / vintage: ${state.health?.vintage ?? "—"}`);
  return lines.join("\n");
};

/** The tooltip of a forecast point: a forecast, never an observed figure. */
const forecastTip = (entry, who, f) => {
  const lines = [
    `${who} · ${f.year} · DỰ BÁO / FORECAST`,
    `Dự báo / forecast: ${withUnit(entry, f.value, 2)}`,
    `Khoảng ${fmt(100 * f.coverage, 0)} % / ${fmt(100 * f.coverage, 0)} % interval: ${withUnit(entry, f.lo, 2)} – ${withUnit(entry, f.hi, 2)}`,
    `Từ số liệu đến / from the data to ${f.baseYear} (${f.observations} năm / years, ${f.method})`,
  ];
  if (f.forecastStatus) {
    const l = label("forecastStatus", f.forecastStatus);
    lines.push(
      `Chỉ tiêu / target: ${OPS[f.targetOp] ?? f.targetOp} ${withUnit(entry, f.targetValue)} — ${l.vi} (${l.en})`,
    );
  }
  return lines.join("\n");
};

// ---------------------------------------------------------------------------------------------------------
// Downloads of what is on screen

const download = (name, blob) => {
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(a.href);
    a.remove();
  }, 1000);
};

const csvOf = (columns, rows) => {
  const field = (v) => {
    if (v === null || v === undefined) return "";
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return `${[columns.map(field).join(","), ...rows.map((r) => columns.map((c) => field(r[c])).join(","))].join("\r\n")}\r\n`;
};

const downloadCsv = (name, columns, rows) =>
  download(`${name}.csv`, new Blob([`\ufeff${csvOf(columns, rows)}`], { type: "text/csv;charset=utf-8" }));

const downloadPng = (name, svgElement) => {
  const { width, height } = svgElement.viewBox.baseVal;
  const clone = svgElement.cloneNode(true);
  clone.setAttribute("width", String(width));
  clone.setAttribute("height", String(height));
  const xml = new XMLSerializer().serializeToString(clone);
  const img = new Image();
  img.onload = () => {
    const canvas = el("canvas", { width: width * 2, height: height * 2 });
    const ctx = canvas.getContext("2d");
    ctx.scale(2, 2);
    ctx.drawImage(img, 0, 0);
    canvas.toBlob((blob) => download(`${name}.png`, blob), "image/png");
  };
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(xml)}`;
};

const downloadButtons = (name, columns, rows, svgElement) => {
  const csv = el("button", { type: "button", class: "download" }, "Tải CSV", en("CSV"));
  csv.addEventListener("click", () => downloadCsv(name, columns, rows));
  const out = el("p", { class: "actions" }, csv);
  if (svgElement) {
    const png = el("button", { type: "button", class: "download" }, "Tải ảnh PNG", en("PNG"));
    png.addEventListener("click", () => downloadPng(name, svgElement));
    out.append(png);
  }
  return out;
};

// ---------------------------------------------------------------------------------------------------------
// The line chart

/** Round numbers for an axis covering lo..hi whole: the first at or below lo, the last at or above hi. */
export const niceTicks = (lo, hi, count = 5) => {
  const span = hi - lo || Math.abs(hi) || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0 - 1e-12) ?? step0;
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  const out = [];
  for (let v = first; v <= last + step * 1e-6; v += step) out.push(Number(v.toFixed(10)));
  if (out.length < 2) out.push(Number((first + step).toFixed(10)));
  return out;
};

let chartCount = 0;

/**
 * Draws lines (one per series) against the targets into `host`, with its legend, data table and downloads.
 * series: [{ name, points: figures, forecasts? }]; trajectory: figures whose trajectory is drawn (the main series).
 * A series' forecasts (from the API, `forecast: true`) are drawn as a dashed line from its last value with the
 * band of their prediction interval, and listed in the table and downloads as forecasts.
 */
const lineChart = (host, { entry, title, series, targets, trajectory, fileName, footnotes = [] }) => {
  const id = `chart-${++chartCount}`;
  const W = Math.max(300, Math.min(900, Math.round(host.clientWidth || 760)));
  const narrow = W < 520;
  const H = narrow ? 260 : 320;
  const m = { l: narrow ? 46 : 64, r: narrow ? 12 : 24, t: 16, b: 34 };
  const pad = 12; // room inside the plot area for a marker at either end
  const forecastsOf = (s) => s.forecasts ?? [];
  const yearsAll = series.flatMap((s) => [...s.points.map((p) => p.year), ...forecastsOf(s).map((f) => f.year)]);
  const from = Math.min(...yearsAll, ...(yearsAll.length === 0 ? [state.years[0]] : []));
  const to = Math.max(...yearsAll, ...(yearsAll.length === 0 ? [state.years[1]] : []));
  const shownTargets = targets.filter((t) => t.year >= from && t.year <= to);
  const numbers = [
    ...series.flatMap((s) => s.points.map((p) => p.value)),
    ...series.flatMap((s) => forecastsOf(s).flatMap((f) => [f.value, f.lo, f.hi])),
    ...(trajectory ?? []).map((p) => p.trajectory),
    ...shownTargets.map((t) => t.value),
  ].filter((x) => typeof x === "number");
  const lower = entry.direction === "lower_is_better";
  const lo = Math.min(lower ? 1 : 0, ...numbers);
  const hi = Math.max(lo + 1, ...numbers);
  const yTicks = niceTicks(lo, hi, narrow ? 4 : 5);
  const yMin = yTicks[0];
  const yMax = yTicks[yTicks.length - 1];
  const plot = { x: m.l, y: m.t, w: W - m.l - m.r, h: H - m.t - m.b };
  const x = (year) => plot.x + pad + ((year - from) / Math.max(1, to - from)) * (plot.w - 2 * pad);
  const frac = (v) => (v - yMin) / (yMax - yMin || 1);
  // better is up: a lower-is-better axis runs from its smallest value at the top
  const y = (v) =>
    lower ? plot.y + pad + frac(v) * (plot.h - 2 * pad) : plot.y + plot.h - pad - frac(v) * (plot.h - 2 * pad);

  const root = svg("svg", {
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: "img",
    "aria-labelledby": `${id}-title`,
    "data-indicator": entry.code,
    "data-direction": entry.direction,
    class: "line-chart",
  });
  root.append(svg("title", { id: `${id}-title` }, title));
  root.append(svg("rect", { x: 0, y: 0, width: W, height: H, fill: "#ffffff" }));
  root.append(
    svg("rect", { class: "plot-area", x: plot.x, y: plot.y, width: plot.w, height: plot.h, fill: "#fbfcfd" }),
  );
  for (const t of yTicks) {
    root.append(svg("line", { x1: plot.x, x2: plot.x + plot.w, y1: y(t), y2: y(t), stroke: "#e3e8ee" }));
    root.append(
      svg("text", { x: plot.x - 6, y: y(t) + 4, "text-anchor": "end", "font-size": 12, fill: "#55606c" }, fmt(t)),
    );
  }
  const everyYear = [];
  const stepYears = narrow && to - from > 5 ? 2 : 1;
  for (let yr = from; yr <= to; yr += stepYears) everyYear.push(yr);
  for (const yr of everyYear) {
    root.append(
      svg("text", { x: x(yr), y: H - m.b + 18, "text-anchor": "middle", "font-size": 12, fill: "#55606c" }, yr),
    );
  }
  const u = label("unit", entry.unit);
  const axisName = `${u.vi}${lower ? " ↑ tốt hơn" : ""}`;
  root.append(
    svg("text", { x: 4, y: 11, "font-size": 11, fill: "#55606c" }, narrow ? axisName : `${axisName} · ${u.en}`),
  );

  if (trajectory && trajectory.filter((p) => p.trajectory !== null).length > 1) {
    const traj = trajectory.filter((p) => p.trajectory !== null);
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
  for (const t of shownTargets) {
    const cx = x(t.year);
    const cy = y(t.value);
    const marker = svg("path", {
      class: "target",
      d: `M ${cx} ${cy - 7} L ${cx + 7} ${cy} L ${cx} ${cy + 7} L ${cx - 7} ${cy} Z`,
      fill: "#c0392b",
      tabindex: 0,
      "aria-label": `Chỉ tiêu ${targetText(entry, t)} / target`,
      "data-tip": `Chỉ tiêu / target ${targetText(entry, t)}\n${t.source?.number ?? t.source?.document ?? ""} ${t.source?.section ?? ""}`,
    });
    root.append(marker);
    const above = cy - plot.y > 24;
    root.append(
      svg(
        "text",
        {
          x: cx - 10,
          y: above ? cy - 10 : cy + 20,
          "text-anchor": "end",
          "font-size": 12,
          fill: "#c0392b",
          "font-weight": 600,
        },
        `${OPS[t.op] ?? t.op} ${fmt(t.value)}`,
      ),
    );
  }
  const legend = el("ul", { class: "legend" });
  series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const valued = s.points.filter((p) => p.value !== null);
    const ahead = forecastsOf(s);
    const last = valued.at(-1);
    if (ahead.length > 0 && last !== undefined) {
      // the forecast: a band for the prediction interval, a dashed line from the last value
      const upper = [[last.year, last.value], ...ahead.map((f) => [f.year, f.hi])];
      const lowerEdge = [...ahead.map((f) => [f.year, f.lo])].reverse();
      root.append(
        svg("polygon", {
          class: "forecast-band",
          points: [...upper, ...lowerEdge, [last.year, last.value]].map(([yr, v]) => `${x(yr)},${y(v)}`).join(" "),
          fill: colour,
          "fill-opacity": 0.15,
          stroke: "none",
          "data-series": s.name,
        }),
      );
      root.append(
        svg("polyline", {
          class: "forecast-line",
          points: [[last.year, last.value], ...ahead.map((f) => [f.year, f.value])]
            .map(([yr, v]) => `${x(yr)},${y(v)}`)
            .join(" "),
          fill: "none",
          stroke: colour,
          "stroke-width": 2.5,
          "stroke-dasharray": "3 4",
          "data-series": s.name,
        }),
      );
      for (const f of ahead) {
        root.append(
          svg("circle", {
            class: "forecast-point",
            cx: x(f.year),
            cy: y(f.value),
            r: 4,
            fill: "#fff",
            stroke: colour,
            "stroke-width": 2,
            tabindex: 0,
            "data-year": f.year,
            "data-value": f.value,
            "data-series": s.name,
            "aria-label": `${s.name} ${f.year}: dự báo / forecast ${withUnit(entry, f.value, 2)} (${withUnit(entry, f.lo, 2)} – ${withUnit(entry, f.hi, 2)})`,
            "data-tip": forecastTip(entry, s.name, f),
          }),
        );
      }
    }
    if (valued.length > 1) {
      root.append(
        svg("polyline", {
          class: "series-line",
          points: valued.map((p) => `${x(p.year)},${y(p.value)}`).join(" "),
          fill: "none",
          stroke: colour,
          "stroke-width": 3,
          "data-series": s.name,
        }),
      );
    }
    for (const p of valued) {
      root.append(
        svg("circle", {
          class: "series-point",
          cx: x(p.year),
          cy: y(p.value),
          r: 4.5,
          fill: colour,
          stroke: "#fff",
          tabindex: 0,
          "data-year": p.year,
          "data-value": p.value,
          "data-series": s.name,
          "data-flags": flagsOf(p).join(" "),
          "aria-label": `${s.name} ${p.year}: ${withUnit(entry, p.value, 2)}, ${label("status", p.status).vi}`,
          "data-tip": figureTip(entry, s.name, p),
        }),
      );
    }
    const sw = el("span", { class: "swatch" });
    sw.style.background = colour;
    legend.append(el("li", {}, sw, s.name));
  });
  if (trajectory)
    legend.append(
      el("li", {}, el("span", { class: "swatch dashed" }), bilingual("Lộ trình đến chỉ tiêu", "trajectory")),
    );
  legend.append(el("li", {}, el("span", { class: "swatch diamond" }), bilingual("Chỉ tiêu", "target")));
  const forecastCoverage = series.flatMap(forecastsOf)[0]?.coverage;
  if (forecastCoverage !== undefined)
    legend.append(
      el(
        "li",
        {},
        el("span", { class: "swatch forecast" }),
        bilingual(
          `Dự báo, khoảng ${fmt(100 * forecastCoverage, 0)} % (không phải số liệu)`,
          `forecast, ${fmt(100 * forecastCoverage, 0)} % interval (not observed)`,
        ),
      ),
    );
  const later = targets.filter((t) => t.year > to);
  if (later.length > 0) {
    legend.append(
      el(
        "li",
        {},
        bilingual(`Chỉ tiêu sau ${to}: ${later.map((t) => targetText(entry, t)).join("; ")}`, "later targets"),
      ),
    );
  }
  const withheld = series.some((s) => s.points.some((p) => p.suppressed));
  const notes = el("ul", { class: "footnotes" });
  for (const [vi, english] of footnotes) notes.append(el("li", {}, bilingual(vi, english)));
  if (withheld)
    notes.append(el("li", {}, bilingual("Năm trống: số liệu bị ẩn vì mẫu số nhỏ.", "gaps: withheld small cells")));
  if (lower)
    notes.append(
      el(
        "li",
        {},
        bilingual("Trục đảo chiều: số nhỏ hơn là tốt hơn (hạng 1 ở trên cùng).", "axis reversed: lower is better"),
      ),
    );

  // the data table and the downloads: exactly what the chart shows
  const rows = series.flatMap((s) =>
    s.points.map((p) => ({
      indicator: entry.code,
      series: s.name,
      year: p.year,
      breakdown: p.breakdown ?? "",
      value: p.value,
      numerator: p.numerator,
      denominator: p.denominator,
      target: p.targetValue === null || p.targetValue === undefined ? "" : `${p.targetOp} ${p.targetValue}`,
      status: p.status,
      status_vi: label("status", p.status).vi,
      suppressed: p.suppressed ? "true" : "false",
      publication: p.publication ?? "",
      forecast: "false",
      lo: "",
      hi: "",
      flags: flagsOf(p).join(" "),
      flags_vi: flagText(p),
      implausible_reason: p.implausibleReason ?? "",
      vintage: state.health?.vintage ?? "",
    })),
  );
  for (const s of series) {
    for (const f of forecastsOf(s)) {
      rows.push({
        indicator: entry.code,
        series: s.name,
        year: f.year,
        breakdown: f.breakdown ?? "",
        value: f.value,
        numerator: null,
        denominator: null,
        target: f.targetValue === null ? "" : `${f.targetOp} ${f.targetValue}`,
        status: f.forecastStatus ?? "forecast",
        status_vi: `Dự báo${f.forecastStatus ? `: ${label("forecastStatus", f.forecastStatus).vi}` : ""}`,
        suppressed: "false",
        publication: "",
        forecast: "true",
        lo: f.lo,
        hi: f.hi,
        flags: "",
        flags_vi: "",
        implausible_reason: "",
        vintage: state.health?.vintage ?? "",
      });
    }
  }
  const table = el(
    "table",
    { class: "data-table" },
    el("caption", {}, title),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        ...[
          "Chuỗi / series",
          "Năm / year",
          "Giá trị / value",
          "Tử số / numerator",
          "Mẫu số / denominator",
          "Đánh giá / status",
          "Công bố / publication",
          "Cờ / flags",
        ].map((h) => el("th", { scope: "col" }, h)),
      ),
    ),
    el(
      "tbody",
      {},
      ...rows.map((r) =>
        el(
          "tr",
          r.forecast === "true" ? { class: "forecast-row" } : {},
          el("td", {}, r.series),
          el("td", {}, r.forecast === "true" ? `${r.year} (dự báo / forecast)` : String(r.year)),
          el(
            "td",
            { class: "num" },
            r.forecast === "true"
              ? `${withUnit(entry, r.value, 2)} (${withUnit(entry, r.lo, 2)} – ${withUnit(entry, r.hi, 2)})`
              : withUnit(entry, r.value, 2),
          ),
          el("td", { class: "num" }, fmt(r.numerator, 0)),
          el("td", { class: "num" }, fmt(r.denominator, 0)),
          el("td", {}, r.status_vi),
          el(
            "td",
            {},
            r.publication === ""
              ? "—"
              : el("a", { href: `/v1/publications/${encodeURIComponent(r.publication)}` }, r.publication),
          ),
          el("td", { "data-flags": r.flags, title: r.implausible_reason }, r.flags_vi),
        ),
      ),
    ),
  );
  const details = el(
    "details",
    { class: "chart-table" },
    el("summary", {}, "Bảng số liệu của biểu đồ", en("the chart's data table")),
    el("div", { class: "table-wrap" }, table),
  );
  const figure = el("div", { class: "chart", id }, root);
  host.replaceChildren(
    el("h3", {}, title),
    figure,
    legend,
    notes,
    details,
    downloadButtons(fileName, Object.keys(rows[0] ?? { indicator: "" }), rows, root),
  );
  return root;
};

// ---------------------------------------------------------------------------------------------------------
// The map

const projectMap = (features, width) => {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  const visit = (c) => {
    if (typeof c[0] === "number") {
      minX = Math.min(minX, c[0]);
      maxX = Math.max(maxX, c[0]);
      minY = Math.min(minY, c[1]);
      maxY = Math.max(maxY, c[1]);
    } else for (const d of c) visit(d);
  };
  for (const f of features) visit(f.geometry.coordinates);
  const k = Math.cos((((minY + maxY) / 2) * Math.PI) / 180); // east-west shrink at this latitude
  const scale = (width - 8) / ((maxX - minX) * k);
  const height = Math.ceil((maxY - minY) * scale) + 8;
  const px = ([lon, lat]) => [4 + (lon - minX) * k * scale, 4 + (maxY - lat) * scale];
  const ring = (r) =>
    `M${r
      .map((c) =>
        px(c)
          .map((v) => v.toFixed(1))
          .join(","),
      )
      .join("L")}Z`;
  const pathOf = (g) =>
    (g.type === "Polygon" ? [g.coordinates] : g.coordinates).map((poly) => poly.map(ring).join("")).join("");
  return { height, pathOf };
};

/** Quantile class breaks of the values (up to 5 classes). */
const breaksOf = (values) => {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return [];
  const out = [];
  for (let i = 1; i < VALUE_CLASSES.length; i++)
    out.push(v[Math.min(v.length - 1, Math.floor((i * v.length) / VALUE_CLASSES.length))]);
  return [...new Set(out)];
};

const drawMap = async (code, year) => {
  const section = $("map-section");
  section.hidden = false;
  const entry = state.byCode.get(code);
  $("map-indicator").value = code;
  const mode = document.querySelector('input[name="map-mode"]:checked')?.value ?? "value";
  if (state.topo === null) state.topo = await api("/dashboard/communes.topo.json");
  const values = await api(`/v1/indicators/${encodeURIComponent(code)}/values?year=${year}&level=commune`);
  const byGeo = new Map(values.values.filter((v) => v.breakdown === "").map((v) => [v.geo, v]));
  const shapes = topojson.feature(state.topo, state.topo.objects.communes).features;
  const host = $("map");
  const W = Math.max(300, Math.min(760, Math.round(host.clientWidth || 760)));
  const { height, pathOf } = projectMap(shapes, W);
  const numbers = [...byGeo.values()].map((v) => v.value).filter((v) => typeof v === "number");
  const breaks = breaksOf(numbers);
  const lower = entry.direction === "lower_is_better";
  const classOf = (v) => {
    let i = 0;
    while (i < breaks.length && v >= breaks[i]) i++;
    const shades = VALUE_CLASSES.slice(VALUE_CLASSES.length - breaks.length - 1);
    return lower ? shades[shades.length - 1 - i] : shades[i];
  };
  const fillOf = (f) => {
    if (f === undefined || f.status === "no_data") return STATUS_COLOURS.no_data;
    if (f.suppressed) return STATUS_COLOURS.suppressed;
    return mode === "status" ? STATUS_COLOURS[f.status] : classOf(f.value);
  };
  const root = svg("svg", {
    viewBox: `0 0 ${W} ${height}`,
    width: W,
    height,
    role: "group",
    "aria-label": `Bản đồ ${entry.nameVi} năm ${year} / map of ${entry.nameEn}, ${year}`,
    class: "choropleth",
    "data-indicator": code,
    "data-mode": mode,
  });
  const defs = svg("defs");
  const pattern = svg("pattern", {
    id: "withheld",
    width: 6,
    height: 6,
    patternUnits: "userSpaceOnUse",
    patternTransform: "rotate(45)",
  });
  pattern.append(
    svg("rect", { width: 6, height: 6, fill: "#f1f3f5" }),
    svg("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#8a939e", "stroke-width": 2 }),
  );
  defs.append(pattern);
  root.append(defs);
  for (const s of shapes) {
    const f = byGeo.get(s.properties.code);
    const name = s.properties.name;
    const status = f?.status ?? "no_data";
    const path = svg("path", {
      class: "commune",
      d: pathOf(s.geometry),
      fill: fillOf(f),
      stroke: "#ffffff",
      "stroke-width": 0.8,
      tabindex: 0,
      role: "link",
      "data-geo": s.properties.code,
      "data-status": status,
      "data-flags": flagsOf(f).join(" "),
      "aria-label": `${name}: ${f?.suppressed ? "ẩn (ô nhỏ) / withheld" : withUnit(entry, f?.value ?? null, 2)}, ${label("status", status).vi}`,
      "data-tip": f ? figureTip(entry, name, f) : `${name}\nChưa có số liệu / no data`,
    });
    const open = () => {
      location.hash = hashOf({ commune: s.properties.code, indicator: code, year: currentYear() });
    };
    path.addEventListener("click", open);
    path.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        open();
      }
    });
    root.append(path);
  }
  host.replaceChildren(root);
  const legend = $("map-legend");
  legend.replaceChildren();
  const item = (fill, text, english) => {
    const sw = el("span", { class: "swatch" });
    if (fill.startsWith("url(")) sw.classList.add("hatched");
    else sw.style.background = fill;
    legend.append(el("li", {}, sw, bilingual(text, english)));
  };
  if (mode === "status") {
    for (const s of ["met", "on_track", "off_track", "missed", "baseline", "no_target"])
      item(STATUS_COLOURS[s], label("status", s).vi, label("status", s).en);
  } else if (numbers.length > 0) {
    const edges = [Math.min(...numbers), ...breaks, Math.max(...numbers)];
    for (let i = 0; i + 1 < edges.length; i++) {
      item(
        classOf(edges[i]),
        `${withUnit(entry, edges[i])} – ${withUnit(entry, edges[i + 1])}`,
        i === 0 ? (lower ? "worst" : "lowest") : "",
      );
    }
  }
  item(STATUS_COLOURS.suppressed, label("status", "suppressed").vi, label("status", "suppressed").en);
  item(STATUS_COLOURS.no_data, label("status", "no_data").vi, label("status", "no_data").en);
  const rows = shapes.map((sh) => {
    const f = byGeo.get(sh.properties.code);
    return {
      indicator: code,
      year,
      geo: sh.properties.code,
      geo_name: sh.properties.name,
      value: f?.value ?? null,
      numerator: f?.numerator ?? null,
      denominator: f?.denominator ?? null,
      status: f?.status ?? "no_data",
      suppressed: f?.suppressed ? "true" : "false",
      flags: flagsOf(f).join(" "),
      implausible_reason: f?.implausibleReason ?? "",
      colour: fillOf(f),
    };
  });
  $("map-downloads").replaceChildren(downloadButtons(`${code}-map-${year}`, Object.keys(rows[0] ?? {}), rows, root));
  if (byGeo.size === 0) {
    legend.append(el("li", {}, bilingual("Chỉ tiêu này chỉ có số liệu cấp tỉnh.", "province figures only")));
  }
  return values;
};

// ---------------------------------------------------------------------------------------------------------
// Views

const showViews = (...ids) => {
  for (const v of [
    "view-scorecard",
    "view-indicator",
    "view-commune",
    "view-compare",
    "map-section",
    "communes-section",
  ]) {
    $(v).hidden = !ids.includes(v);
  }
};

const crumbs = (...parts) => {
  const nav = $("crumbs");
  nav.replaceChildren(link({}, "Tổng quan", en("Overview")));
  for (const p of parts) nav.append(" › ", p);
};

const renderScorecard = async (year) => {
  showViews("view-scorecard", "map-section");
  crumbs();
  const card = await api(year === null ? "/v1/scorecard" : `/v1/scorecard?year=${year}`);
  $("scorecard-note").replaceChildren(
    year === null
      ? bilingual(
          "Giá trị toàn tỉnh mới nhất của mỗi chỉ tiêu (năm ghi bên cạnh) so với chỉ tiêu áp dụng.",
          "each indicator's latest province figure (its year beside it) against the target that applies",
        )
      : bilingual(
          `Giá trị toàn tỉnh năm ${year} so với chỉ tiêu áp dụng.`,
          `province figures of ${year} against the target that applies`,
        ),
  );
  const key = $("status-key");
  key.replaceChildren(
    ...["met", "on_track", "off_track", "missed", "baseline", "no_data"].map((s) => el("li", {}, statusBadge(s))),
  );
  const host = $("scorecard");
  host.replaceChildren();
  // the targets the forecasts say will be missed (the whole interval misses the target)
  const atRisk = card.areas.flatMap((a) => a.indicators).filter((e) => e.forecast?.status === "at_risk");
  host.append(
    el(
      "section",
      { class: "at-risk", id: "at-risk", "data-count": atRisk.length },
      el(
        "h3",
        {},
        `Chỉ tiêu có nguy cơ không đạt theo dự báo (${atRisk.length})`,
        en("targets at risk, by the forecasts (not observed figures)"),
      ),
      atRisk.length === 0
        ? el("p", {}, bilingual("Không có.", "none"))
        : el(
            "ul",
            {},
            ...atRisk.map((e) => {
              const entry = state.byCode.get(e.indicator);
              const f = e.forecast;
              return el(
                "li",
                { "data-indicator": e.indicator },
                link({ indicator: e.indicator }, e.nameVi),
                ` — ${OPS[f.targetOp] ?? f.targetOp} ${withUnit(entry, f.targetValue)} (${f.targetYear}); dự báo / forecast ${withUnit(entry, f.value, 1)} (${withUnit(entry, f.lo, 1)} – ${withUnit(entry, f.hi, 1)})`,
              );
            }),
          ),
    ),
  );
  for (const area of card.areas) {
    const list = el("ul", { class: "tiles" });
    for (const e of area.indicators) {
      const entry = state.byCode.get(e.indicator);
      const target =
        e.targetValue === null
          ? "—"
          : `${OPS[e.targetOp] ?? e.targetOp} ${withUnit(entry, e.targetValue)} (${e.targetYear})`;
      list.append(
        el(
          "li",
          { class: `tile tile-${e.status}`, "data-indicator": e.indicator, "data-status": e.status },
          el(
            "a",
            { class: "tile-link", href: hashOf({ indicator: e.indicator, year }) },
            el("span", { class: "tile-name" }, e.nameVi),
            en(e.nameEn),
          ),
          el(
            "dl",
            {},
            el("dt", {}, "Giá trị", en(e.year === null ? "value" : `value ${e.year}`)),
            el("dd", { class: "tile-value", "data-value": e.value ?? "" }, withUnit(entry, e.value, 2)),
            el("dt", {}, "Chỉ tiêu", en("target")),
            el("dd", { class: "tile-target" }, target),
            ...(e.forecast === null
              ? []
              : [
                  el("dt", {}, `Dự báo ${e.forecast.targetYear}`, en("forecast")),
                  el(
                    "dd",
                    { class: "tile-forecast", "data-forecast-status": e.forecast.status },
                    `${withUnit(entry, e.forecast.value, 1)} (${withUnit(entry, e.forecast.lo, 1)} – ${withUnit(entry, e.forecast.hi, 1)}) · ${e.forecast.statusLabel.vi}`,
                  ),
                ]),
          ),
          statusBadge(e.status),
        ),
      );
    }
    host.append(
      el("section", { class: "area", "data-area": area.area }, el("h3", {}, area.label.vi, en(area.label.en)), list),
    );
  }
  const rows = card.areas.flatMap((a) =>
    a.indicators.map((e) => ({
      area: a.area,
      indicator: e.indicator,
      name_vi: e.nameVi,
      name_en: e.nameEn,
      year: e.year,
      value: e.value,
      unit: e.unit,
      target_year: e.targetYear,
      target_op: e.targetOp,
      target_value: e.targetValue,
      status: e.status,
      status_vi: (e.statusLabel ?? label("status", null)).vi,
      forecast_target_year: e.forecast?.targetYear ?? "",
      forecast_value: e.forecast?.value ?? "",
      forecast_lo: e.forecast?.lo ?? "",
      forecast_hi: e.forecast?.hi ?? "",
      forecast_status: e.forecast?.status ?? "no_forecast",
      vintage: card.vintage,
    })),
  );
  host.append(downloadButtons(`scorecard-${yearName(year)}`, Object.keys(rows[0] ?? {}), rows));
  const mapCode =
    $("map-indicator").value || (state.byCode.has("DIGSIG_ADULT") ? "DIGSIG_ADULT" : state.indicators[0].code);
  state.latestYear = new Map(card.areas.flatMap((a) => a.indicators.map((e) => [e.indicator, e.year])));
  await drawMap(mapCode, year ?? mapYear(mapCode));
  return `scorecard/${yearName(year)}`;
};

/** The year the map shows when the latest figures are asked for: the indicator's latest province year. */
const mapYear = (code) => state.latestYear?.get(code) ?? Math.min(2025, state.years[1]);

const communeTable = (entry, values) => {
  const section = $("communes-section");
  section.hidden = false;
  $("year-label").textContent = String(values.year);
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
  const ticked = () => [...body.querySelectorAll("input:checked")].map((c) => c.value);
  // the communes ticked for a comparison stay ticked when the same indicator's table is drawn again (a resize
  // redraws the view), instead of being dropped with the old rows
  const keep = new Set(body.dataset.indicator === entry.code ? ticked() : []);
  body.dataset.indicator = entry.code;
  body.replaceChildren();
  const compare = $("compare-selected");
  for (const r of rows) {
    const bar = el("div", { class: "bar" });
    bar.style.width = `${max > 0 && r.value !== null ? Math.max(1, (100 * r.value) / max) : 0}%`;
    const box = el("input", { type: "checkbox", value: r.geo, "aria-label": `so sánh ${r.geoName} / compare` });
    box.checked = keep.has(r.geo);
    box.addEventListener("change", () => {
      compare.disabled = ticked().length < 2;
    });
    body.append(
      el(
        "tr",
        { "data-geo": r.geo, "data-tip": figureTip(entry, r.geoName, r) },
        el("td", {}, box),
        el("td", {}, link({ commune: r.geo, indicator: entry.code }, r.geoName)),
        el("td", { class: "breakdown-col" }, breakdownName(r.breakdown)),
        el("td", { class: "num", "data-value": r.value ?? "" }, fmt(r.value, 2)),
        el("td", { class: "bar-col" }, bar),
        el("td", { class: "num" }, fmt(r.numerator, 0)),
        el("td", { class: "num" }, fmt(r.denominator, 0)),
        el("td", {}, statusBadge(r.status)),
        el("td", { class: "flags", "data-flags": flagsOf(r).join(" "), title: r.implausibleReason ?? "" }, flagText(r)),
      ),
    );
  }
  compare.disabled = ticked().length < 2;
  compare.onclick = () => {
    location.hash = hashOf({ compare: ticked().join(","), indicator: entry.code, year: currentYear() });
  };
  if (rows.length === 0) {
    body.append(
      el(
        "tr",
        {},
        el(
          "td",
          { colspan: "9" },
          bilingual("Chỉ tiêu này chỉ có số liệu cấp tỉnh.", "This indicator exists for the province only."),
        ),
      ),
    );
  }
  const p = values.province;
  const line = $("province-line");
  line.replaceChildren(
    bilingual(`Toàn tỉnh năm ${values.year}: ${p ? withUnit(entry, p.value, 2) : "—"}`, `province ${values.year}`),
    " ",
  );
  if (p) line.append(statusBadge(p.status));
  $("communes-csv").onclick = () =>
    downloadCsv(
      `${entry.code}-communes-${values.year}`,
      [
        "indicator",
        "year",
        "geo",
        "geo_name",
        "breakdown",
        "value",
        "numerator",
        "denominator",
        "status",
        "suppressed",
        "flags",
        "implausible_reason",
      ],
      rows.map((r) => ({
        indicator: entry.code,
        year: values.year,
        geo: r.geo,
        geo_name: r.geoName,
        breakdown: r.breakdown,
        value: r.value,
        numerator: r.numerator,
        denominator: r.denominator,
        status: r.status,
        suppressed: r.suppressed,
        flags: flagsOf(r).join(" "),
        implausible_reason: r.implausibleReason ?? "",
      })),
    );
};

const unknownIndicator = (code) => {
  const e = new Error(
    `Không có chỉ tiêu “${code}” trong danh mục. / There is no indicator “${code}”; pick one from the overview.`,
  );
  e.reason = "unknown-indicator";
  throw e;
};

/** The communes ranked by the risk of missing the indicator's next target, from their forecasts (at most 10). */
const riskList = async (entry) => {
  const host = $("risk-card");
  const risk = await api(`/v1/indicators/${encodeURIComponent(entry.code)}/risk`);
  const communes = risk.ranking.filter((r) => r.geo !== "province" && r.forecast.forecastStatus !== "likely");
  host.hidden = risk.targetYear === null;
  if (risk.targetYear === null) return;
  const shown = communes.slice(0, 10);
  host.replaceChildren(
    el(
      "h3",
      {},
      `Xã, phường có nguy cơ không đạt chỉ tiêu ${risk.targetYear} theo dự báo`,
      en(`communes at risk of missing the ${risk.targetYear} target, by the forecasts`),
    ),
    shown.length === 0
      ? el("p", {}, bilingual("Không có xã, phường nào.", "none"))
      : el(
          "ol",
          { class: "risk-list" },
          ...shown.map((r) =>
            el(
              "li",
              { "data-geo": r.geo, "data-forecast-status": r.forecast.forecastStatus },
              link({ commune: r.geo, indicator: entry.code }, r.name),
              ` — ${r.statusLabel.vi}: dự báo / forecast ${withUnit(entry, r.forecast.value, 1)} (${withUnit(entry, r.forecast.lo, 1)} – ${withUnit(entry, r.forecast.hi, 1)}), chỉ tiêu / target ${OPS[r.forecast.targetOp] ?? r.forecast.targetOp} ${withUnit(entry, r.forecast.targetValue)}`,
            ),
          ),
        ),
    communes.length > shown.length
      ? el(
          "p",
          {},
          bilingual(
            `và ${communes.length - shown.length} xã, phường khác`,
            "and more (GET /v1/indicators/{code}/risk)",
          ),
        )
      : "",
  );
};

const renderIndicator = async (code, asked) => {
  let year = asked;
  const entry = state.byCode.get(code);
  if (entry === undefined) unknownIndicator(code);
  showViews("view-indicator", "map-section", "communes-section");
  crumbs(el("span", {}, entry.nameVi));
  $("title").textContent = entry.nameVi;
  $("subtitle").textContent =
    `${entry.nameEn} · ${entry.code} · ${label("area", entry.area).vi} (${label("area", entry.area).en})`;
  $("targets").replaceChildren(
    ...entry.targets.map((t) =>
      el(
        "li",
        {},
        bilingual(
          `Chỉ tiêu ${t.year}: ${OPS[t.op] ?? t.op} ${withUnit(entry, t.value)} — ${t.source.number ?? t.source.document}, ${t.source.section}`,
          t.source.titleEn ?? "",
        ),
      ),
    ),
  );
  const series = await api(`/v1/indicators/${encodeURIComponent(code)}/series?geo=province`);
  const byBreakdown = new Map();
  for (const p of series.points) {
    if (!byBreakdown.has(p.breakdown)) byBreakdown.set(p.breakdown, []);
    byBreakdown.get(p.breakdown).push(p);
  }
  const main = byBreakdown.get("") ?? [...byBreakdown.values()][0] ?? [];
  if (year === null) {
    // the latest: the last year the province has a value
    year = main.filter((p) => p.value !== null).at(-1)?.year ?? Math.min(2025, state.years[1]);
  }
  lineChart($("province-card"), {
    entry,
    title: `Toàn tỉnh theo năm, so với chỉ tiêu · province, year by year, against the targets`,
    series: [...byBreakdown].map(([b, points]) => ({
      name: b === "" ? "Toàn tỉnh / province" : `Toàn tỉnh — ${breakdownName(b)}`,
      points,
      forecasts: (series.forecasts ?? []).filter((f) => f.breakdown === b),
    })),
    targets: series.targets,
    trajectory: main,
    fileName: `${code}-province`,
  });
  await riskList(entry);
  const values = await drawMap(code, year);
  communeTable(entry, { ...values, values: values.values });
  return `indicator/${code}/${$("year").value === "latest" ? "latest" : year}`;
};

const fillCommuneSelect = (select, exclude = []) => {
  select.replaceChildren(el("option", { value: "" }, "— chọn / choose —"));
  for (const c of state.communes) if (!exclude.includes(c.code)) select.append(el("option", { value: c.code }, c.name));
};

const fillIndicatorSelect = (select, value) => {
  if (select.options.length === 0)
    for (const e of state.indicators) select.append(el("option", { value: e.code }, `${e.nameVi} (${e.code})`));
  select.value = value;
};

const renderCommune = async (geo, code, year) => {
  const name = state.communeName.get(geo);
  if (name === undefined) {
    const e = new Error(`Không có xã, phường mã “${geo}”. / There is no commune “${geo}”.`);
    e.reason = "unknown-commune";
    throw e;
  }
  const entry = state.byCode.get(code);
  if (entry === undefined) unknownIndicator(code);
  showViews("view-commune");
  crumbs(link({ indicator: code }, entry.nameVi), el("span", {}, name));
  $("commune-title").replaceChildren(name, en(`commune ${geo}`));
  fillIndicatorSelect($("commune-indicator"), code);
  $("commune-indicator").onchange = (e) => {
    location.hash = hashOf({ commune: geo, indicator: e.target.value, year });
  };
  fillCommuneSelect($("compare-add"), [geo]);
  $("compare-go").onclick = () => {
    const other = $("compare-add").value;
    location.hash = hashOf({ compare: other ? `${geo},${other}` : geo, indicator: code, year });
  };
  const [many, profile] = await Promise.all([
    api(`/v1/series?indicators=${encodeURIComponent(code)}&geos=${geo},province`),
    api(year === null ? `/v1/communes/${geo}/profile` : `/v1/communes/${geo}/profile?year=${year}`),
  ]);
  const own = many.series.find((s) => s.geo === geo);
  const province = many.series.find((s) => s.geo === "province");
  const overall = (s) => (s?.points ?? []).filter((p) => p.breakdown === "");
  const overallForecasts = (s) => (s?.forecasts ?? []).filter((f) => f.breakdown === "");
  lineChart($("commune-card"), {
    entry,
    title: `${entry.nameVi}: ${name} so với toàn tỉnh và chỉ tiêu · against the province and the target`,
    series: [
      { name, points: overall(own), forecasts: overallForecasts(own) },
      { name: "Toàn tỉnh / province", points: overall(province), forecasts: overallForecasts(province) },
    ],
    targets: entry.targets,
    trajectory: overall(province),
    fileName: `${code}-${geo}`,
    footnotes: [BOUNDARY_BREAK],
  });
  const rows = profile.indicators;
  const table = el(
    "table",
    { class: "profile" },
    el("caption", {}, `${name}: mọi chỉ tiêu (${yearName(year)}) · every indicator (${yearName(year)})`),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        ...[
          "Chỉ tiêu / indicator",
          "Giá trị / value",
          "Toàn tỉnh / province",
          "Chỉ tiêu / target",
          "Đánh giá / status",
        ].map((h) => el("th", { scope: "col" }, h)),
      ),
    ),
    el(
      "tbody",
      {},
      ...rows.map((r) => {
        const e = state.byCode.get(r.indicator);
        return el(
          "tr",
          { "data-indicator": r.indicator },
          el("td", {}, link({ commune: geo, indicator: r.indicator }, r.nameVi)),
          el("td", { class: "num", "data-value": r.value ?? "" }, r.suppressed ? "ẩn" : withUnit(e, r.value, 2)),
          el("td", { class: "num" }, withUnit(e, r.province.value, 2)),
          el("td", {}, r.targetValue === null ? "—" : `${OPS[r.targetOp] ?? r.targetOp} ${withUnit(e, r.targetValue)}`),
          el("td", {}, statusBadge(r.status)),
        );
      }),
    ),
  );
  $("profile-card").replaceChildren(
    el(
      "h3",
      {},
      year === null ? "Hồ sơ: số liệu mới nhất" : `Hồ sơ năm ${year}`,
      en(year === null ? "profile: the latest figures" : `profile, ${year}`),
    ),
    el("div", { class: "table-wrap" }, table),
    downloadButtons(
      `profile-${geo}-${yearName(year)}`,
      ["indicator", "name_vi", "year", "value", "province_value", "target_op", "target_value", "status", "suppressed"],
      rows.map((r) => ({
        indicator: r.indicator,
        name_vi: r.nameVi,
        year: r.year,
        value: r.value,
        province_value: r.province.value,
        target_op: r.targetOp,
        target_value: r.targetValue,
        status: r.status,
        suppressed: r.suppressed,
      })),
    ),
  );
  return `commune/${geo}/${code}/${yearName(year)}`;
};

const renderCompare = async (geos, code, year) => {
  const entry = state.byCode.get(code);
  if (entry === undefined) unknownIndicator(code);
  const known = geos.filter((g) => state.communeName.has(g));
  if (known.length === 0) {
    const e = new Error("Chọn ít nhất một xã, phường để so sánh. / Pick at least one commune to compare.");
    e.reason = "nothing-to-compare";
    throw e;
  }
  showViews("view-compare");
  crumbs(link({ indicator: code }, entry.nameVi), el("span", {}, "So sánh / comparison"));
  $("compare-title").replaceChildren(`So sánh: ${entry.nameVi}`, en(`comparison: ${entry.nameEn}`));
  fillIndicatorSelect($("compare-indicator"), code);
  $("compare-indicator").onchange = (e) => {
    location.hash = hashOf({ compare: known.join(","), indicator: e.target.value, year });
  };
  fillCommuneSelect($("compare-more"), known);
  $("compare-more").onchange = (e) => {
    if (e.target.value)
      location.hash = hashOf({ compare: [...known, e.target.value].join(","), indicator: code, year });
  };
  const chips = $("compare-chips");
  chips.replaceChildren(
    ...known.map((g) => {
      const remove = el("button", { type: "button", "aria-label": `bỏ ${state.communeName.get(g)} / remove` }, "×");
      remove.addEventListener("click", () => {
        const rest = known.filter((x) => x !== g);
        location.hash =
          rest.length === 0
            ? hashOf({ indicator: code, year })
            : hashOf({ compare: rest.join(","), indicator: code, year });
      });
      return el("li", { "data-geo": g }, link({ commune: g, indicator: code }, state.communeName.get(g)), " ", remove);
    }),
  );
  const many = await api(`/v1/series?indicators=${encodeURIComponent(code)}&geos=${[...known, "province"].join(",")}`);
  const overall = (s) => s.points.filter((p) => p.breakdown === "");
  const province = many.series.find((s) => s.geo === "province");
  lineChart($("compare-card"), {
    entry,
    title: `${entry.nameVi}: ${known.map((g) => state.communeName.get(g)).join(", ")} · comparison`,
    series: [
      ...known.map((g) => ({ name: state.communeName.get(g), points: overall(many.series.find((s) => s.geo === g)) })),
      { name: "Toàn tỉnh / province", points: overall(province) },
    ],
    targets: entry.targets,
    trajectory: null,
    footnotes: [BOUNDARY_BREAK],
    fileName: `${code}-compare-${yearName(year)}`,
  });
  return `compare/${code}/${known.join(",")}/${yearName(year)}`;
};

const updateMeta = () => {
  const h = state.health;
  const meta = $("meta");
  meta.replaceChildren(
    bilingual(
      `Cập nhật ngày ${dateVi(h.updatedAt)} · Kỳ số liệu ${h.vintage === null ? "—" : dateVi(h.vintage)}`,
      `updated on ${h.updatedAt.slice(0, 10)} · vintage ${h.vintage ?? "—"} (log position ${h.position})`,
    ),
  );
  meta.dataset.vintage = h.vintage ?? "";
};

const render = async () => {
  hideTip();
  const v = parseHash();
  const ysel = $("year");
  if (v.year === null || v.year === undefined) ysel.value = "latest";
  else if (v.year >= state.years[0] && v.year <= state.years[1]) ysel.value = String(v.year);
  const year = currentYear();
  $("error").hidden = true;
  document.body.dataset.rendered = "";
  try {
    state.health = await api("/v1/health");
    updateMeta();
    let view;
    if (v.compare) view = await renderCompare(v.compare.split(","), v.indicator ?? "DIGSIG_ADULT", year);
    else if (v.commune) view = await renderCommune(v.commune, v.indicator ?? state.indicators[0].code, year);
    else if (v.indicator) view = await renderIndicator(v.indicator, year);
    else view = await renderScorecard(year);
    state.view = view;
    document.body.dataset.rendered = view;
  } catch (e) {
    showViews();
    crumbs();
    $("error").replaceChildren(
      e.reason ? e.message : `Không tải được số liệu / could not load the figures: ${e.message}`,
      " ",
      link({}, "Về trang tổng quan", en("back to the overview")),
    );
    $("error").hidden = false;
    document.body.dataset.rendered = `error:${e.reason ?? "load"}`;
  }
};

const start = async () => {
  const [health, catalog, labels, communes] = await Promise.all([
    api("/v1/health"),
    api("/v1/indicators"),
    api("/v1/labels"),
    api("/v1/communes"),
  ]);
  state.health = health;
  // a withheld figure shows the flag's label where a status would be
  state.labels = { ...labels, status: { ...labels.status, suppressed: labels.flag.suppressed } };
  state.indicators = catalog.indicators;
  state.byCode = new Map(catalog.indicators.map((e) => [e.code, e]));
  state.communes = [...communes.communes].sort((a, b) => a.name.localeCompare(b.name, "vi"));
  state.communeName = new Map(communes.communes.map((c) => [c.code, c.name]));
  state.years = [health.years.first, health.years.last];
  updateMeta();
  const ysel = $("year");
  ysel.append(el("option", { value: "latest" }, "Mới nhất / latest"));
  for (let y = state.years[1]; y >= state.years[0]; y--) ysel.append(el("option", { value: String(y) }, String(y)));
  ysel.value = "latest";
  ysel.addEventListener("change", () => {
    location.hash = hashOf({ ...parseHash(), year: currentYear() });
  });
  fillIndicatorSelect($("map-indicator"), state.byCode.has("DIGSIG_ADULT") ? "DIGSIG_ADULT" : state.indicators[0].code);
  $("map-indicator").addEventListener("change", () => {
    const v = parseHash();
    if (v.indicator && !v.commune && !v.compare)
      location.hash = hashOf({ indicator: $("map-indicator").value, year: currentYear() });
    else drawMap($("map-indicator").value, currentYear() ?? mapYear($("map-indicator").value));
  });
  for (const r of document.querySelectorAll('input[name="map-mode"]')) {
    r.addEventListener("change", () =>
      drawMap($("map-indicator").value, currentYear() ?? mapYear($("map-indicator").value)),
    );
  }
  window.addEventListener("hashchange", render);
  let resizeTimer;
  let lastWidth = window.innerWidth;
  window.addEventListener("resize", () => {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(render, 200);
  });
  await render();
};

start().catch((e) => {
  $("error").textContent = `Không tải được bảng theo dõi / could not load the dashboard: ${e.message}`;
  $("error").hidden = false;
  document.body.dataset.rendered = "error:start";
});
