package io.quantpipe.quant.report;

/** The report's inline style sheet: system fonts only, nothing loaded from anywhere. */
final class ReportStyle {
    private ReportStyle() {
    }

    static final String CSS = """
            :root { --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --bg: #f1f5f9; --card: #ffffff;
                    --blue: #2563eb; --red: #dc2626; --amber: #d97706; --green: #059669; }
            * { box-sizing: border-box; }
            body { margin: 0; background: var(--bg); color: var(--ink);
                   font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
                         "Noto Sans", "Liberation Sans", "DejaVu Sans", sans-serif; }
            main { max-width: 1180px; margin: 0 auto; padding: 28px 24px 40px; }
            header h1 { font-size: 24px; margin: 0 0 4px; letter-spacing: -0.01em; }
            header p { margin: 0 0 20px; }
            h2 { font-size: 16px; margin: 0 0 10px; }
            section { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
                      padding: 18px 20px; margin: 0 0 18px; }
            .muted { color: var(--muted); }
            .note { color: var(--muted); margin: 0 0 12px; font-size: 13px; }
            code { font: 12.5px/1.3 ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; }
            .cards { display: grid; grid-template-columns: repeat(5, 1fr); gap: 12px; background: none;
                     border: 0; padding: 0; }
            .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px;
                    border-top: 3px solid var(--blue); }
            .card.good { border-top-color: var(--green); }
            .card.bad { border-top-color: var(--red); }
            .card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
            .card .v { font-size: 26px; font-weight: 650; margin: 4px 0 2px; font-variant-numeric: tabular-nums; }
            .card .n { color: var(--muted); font-size: 12.5px; }
            table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
            th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; }
            thead th { font-size: 12px; color: var(--muted); font-weight: 600; text-transform: uppercase;
                       letter-spacing: 0.03em; border-bottom: 2px solid var(--line); }
            tbody th { font-weight: 500; }
            table.summary td { text-align: right; }
            table.summary thead th:not(:first-child) { text-align: right; }
            td.num, th.num { text-align: right; }
            td.best { background: #ecfdf5; color: #065f46; font-weight: 600; }
            td.neg { color: var(--red); }
            td.pos { color: var(--green); }
            .tag { font-size: 10px; background: #e0e7ff; color: #3730a3; border-radius: 4px; padding: 1px 5px;
                   text-transform: none; letter-spacing: 0; }
            .dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 6px; }
            .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(500px, 1fr)); gap: 14px; }
            .pair { display: flex; flex-wrap: wrap; gap: 24px; }
            .scroll { overflow-x: auto; }
            figure { margin: 0; }
            figcaption { font-weight: 600; margin: 0 0 4px; }
            .legend { list-style: none; padding: 0; margin: 2px 0 0 48px; display: flex; flex-wrap: wrap;
                      gap: 4px 16px; font-size: 12.5px; }
            .swatch { display: inline-block; width: 22px; height: 0; vertical-align: middle; margin-right: 6px; }
            .key { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px 0 10px;
                   vertical-align: -1px; }
            .key.low, .bar.low { background: var(--red); fill: var(--red); }
            .key.mid, .bar.mid { background: var(--amber); fill: var(--amber); }
            .key.high, .bar.high { background: var(--green); fill: var(--green); }
            .bar.none { fill: #cbd5e1; }
            svg { display: block; max-width: 100%; height: auto; }
            svg text { font-family: inherit; fill: #334155; }
            svg .tick { font-size: 11px; fill: var(--muted); }
            svg .label { font-size: 11.5px; fill: var(--muted); }
            svg .name { font-size: 12px; font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
            svg .value { font-size: 11.5px; fill: #334155; }
            svg .count { font-size: 10.5px; fill: #1e293b; }
            svg .count.light { fill: #ffffff; }
            svg .grid { stroke: #eef2f7; stroke-width: 1; }
            svg .axis { stroke: #94a3b8; stroke-width: 1; }
            svg .bars { fill: #c7d2fe; stroke: #6366f1; stroke-width: 1; stroke-linejoin: round; }
            svg .method { stroke-width: 2; }
            svg .empty { font-size: 13px; fill: var(--muted); }
            ul.nodes { columns: 3; padding-left: 18px; margin: 0; }
            footer { color: var(--muted); font-size: 12px; margin-top: 8px; }
            @media (max-width: 900px) { .cards { grid-template-columns: repeat(2, 1fr); } }
            """;
}
