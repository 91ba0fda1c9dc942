/// Renders networks as one self-contained HTML page: for each network the architecture figure, a
/// chart of activation memory and parameters per layer, the table with share bars, the totals and
/// `--fit`'s answer; then the diagnostics. Hovering over a box or a row shows its `--explain` lines.
/// Nothing is fetched: the style sheet and the small script are in the page, and it reads the same
/// with the script off (each row's lines are its tooltip). The page is well-formed XML as well as HTML.

/// `--format html`.
struct HTMLRenderer {
    var columns = Column.tableDefault
    var units = ByteUnits.iec
    var fit: (size: MemorySize, inference: Bool)?
    /// The order shapes are written in (`--layout`).
    var layout = ShapeLayout.whd
    /// Rows shown in a table, at most; the CSV output lists every one.
    static let maximumTableRows = 5_000
    /// Bars in a chart, at most; past that each bar adds up consecutive rows.
    static let maximumBars = 400

    /// The page: a section per network, then the diagnostics.
    func render(_ networks: [NetworkReport], diagnostics: [Diagnostic]) -> String {
        var out = "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
        out += "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        out += "<meta name=\"color-scheme\" content=\"light dark\"/>\n"
        let title = networks.isEmpty ? "netcalc" : "netcalc: " + networks.map(\.name).joined(separator: ", ")
        out += "<title>\(Markup.escape(Figure.cut(title, 120)))</title>\n"
        out += "<style>\n" + Self.css + FigureStyle.css(scope: ".nc") + "\n</style>\n</head>\n<body>\n"
        out += "<header><h1>netcalc report</h1><p class=\"meta\">"
        out += "\(networks.count) network\(networks.count == 1 ? "" : "s") · netcalc \(netcalcVersion) · "
        out += "hover over a box or a row for its worked formulas · \(Markup.escape(units.description)); "
        out += "K, M, G after counts are 1000-based</p>"
        if networks.count > 1 {
            out += "<nav><ul>"
            for (index, network) in networks.enumerated() {
                out += "<li><a href=\"#net\(index)\">\(Markup.escape(Figure.cut(network.name, 60)))</a></li>"
            }
            out += "</ul></nav>"
        }
        out += "</header>\n<main>\n"
        for (index, network) in networks.enumerated() {
            out += section(network, index: index)
        }
        if !diagnostics.isEmpty {
            let renderer = DiagnosticRenderer(color: false)
            out += "<section id=\"diagnostics\"><h2>Diagnostics</h2>\n<pre class=\"diag\">"
            out += Markup.escape(diagnostics.map(renderer.render).joined())
            out += "</pre></section>\n"
        }
        if networks.isEmpty && diagnostics.isEmpty {
            out += "<p>No network was given.</p>\n"
        }
        out += "</main>\n<div id=\"explain\" class=\"explain\" hidden=\"hidden\"></div>\n"
        out += "<script>//<![CDATA[\n" + Self.script + "\n//]]></script>\n</body>\n</html>\n"
        return out
    }

    // MARK: One network

    /// A network's section: heading, figure, chart, table, totals and `--fit`'s answer.
    func section(_ network: NetworkReport, index: Int) -> String {
        let settings = network.settings
        var out = "<section class=\"network\" id=\"net\(index)\" data-net=\"\(index)\">\n"
        out += "<h2>\(Markup.escape(network.name))</h2>\n"
        out += "<p class=\"meta\">\(Markup.escape(network.file)) · input \(network.input.fullText) · batch \(settings.batch) · "
        out += "\(settings.dataType.rawValue) · rounding \(settings.rounding.rawValue) · optimizer \(settings.optimizer.rawValue)</p>\n"
        var figure = Figure(network: network, units: units, maxWidth: 1200, prefix: "f\(index)-", explainInTitles: false)
        figure.showsName = false
        let drawn = figure.draw()
        let (width, height) = (Markup.number(drawn.width), Markup.number(drawn.height))
        out += "<div class=\"figure\"><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"nc\" width=\"\(width)\" height=\"\(height)\" "
        out += "viewBox=\"0 0 \(width) \(height)\"><defs>\(Figure.marker(id: "f\(index)-a"))</defs>"
        out += "<rect class=\"bg\" width=\"100%\" height=\"100%\"/>\n" + drawn.body + "</svg></div>\n"
        out += "<h3>Where the memory and the parameters go</h3>\n" + chart(network)
        out += "<h3>Layers</h3>\n" + table(network)
        out += "<h3>Totals</h3>\n<table class=\"totals\">"
        for (label, value) in TotalsSummary(network: network, units: units).lines {
            out += "<tr><th>\(Markup.escape(label))</th><td>\(Markup.escape(value))</td></tr>"
        }
        out += "</table>\n"
        for note in network.notes { out += "<p class=\"note\">note: \(Markup.escape(note))</p>\n" }
        if let fit {
            let planner = FitPlanner(network: network)
            let lines = planner.lines(planner.plan(fit.size, inference: fit.inference), units: units)
            out += "<h3>Will it fit in \(Markup.escape(fit.size.text))?</h3>\n<pre class=\"fit\">"
            out += Markup.escape(lines.joined(separator: "\n")) + "</pre>\n"
        }
        return out + "</section>\n"
    }

    /// The layer table: the chosen columns, share bars drawn with CSS, each row's `--explain` lines as
    /// its tooltip.
    func table(_ network: NetworkReport) -> String {
        var out = "<div class=\"scroll\"><table class=\"layers\"><thead><tr>"
        for column in columns {
            out += "<th class=\"\(column.rightAligned ? "num" : "txt")\">\(Markup.escape(column.header))</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        let explainer = Explainer(network: network)
        for row in network.rows.prefix(Self.maximumTableRows) {
            var explain = row.name + (row.role == .input ? "" : "  \(row.text) on \(row.input.fullText)")
            for line in explainer.lines(for: row) { explain += "\n  " + line }
            out += "<tr data-row=\"\(row.index)\" title=\"\(Markup.escape(explain, attribute: true))\">"
            for column in columns { out += cell(column, row, network) }
            out += "</tr>\n"
        }
        let left = network.rows.count - min(network.rows.count, Self.maximumTableRows)
        if left > 0 {
            out += "<tr><td class=\"more\" colspan=\"\(columns.count)\">… \(formatCount(left)) more rows not shown: "
            out += "--format csv lists every row</td></tr>\n"
        }
        return out + "</tbody></table></div>\n"
    }

    /// One cell of the table: the row's tree and name, a share with its bar, or the figure as the table shows it.
    func cell(_ column: Column, _ row: LayerRow, _ network: NetworkReport) -> String {
        switch column {
        case .layer:
            let tree = row.depth == 0 ? "" : String(repeating: "│ ", count: row.depth - 1) + (row.startsBranch ? "├ " : "│ ")
            return "<td class=\"txt name\"><span class=\"tree\">\(tree)</span>\(Markup.escape(row.name))</td>"
        case .memoryShare, .paramShare, .macsShare:
            let (part, whole) = column.shareParts(row, network) ?? (0, 0)
            let percent = share(part, of: whole, decimals: 1)
            let kind = column == .memoryShare ? "mem" : column == .paramShare ? "par" : "mac"
            return "<td class=\"share\"><span class=\"pct\">\(percent)%</span><span class=\"bar \(kind)\">"
                + "<span style=\"width:\(percent)%\"></span></span></td>"
        case .index, .op, .input, .output, .kernel, .memory, .bytes, .backwardBytes, .kept, .params, .weights, .biases, .nonTrainable,
             .macs, .rf, .spec, .path:
            let text = column.human(row, network, units: units, bars: nil, layout: layout)
            return "<td class=\"\(column.rightAligned ? "num" : "txt")\">\(Markup.escape(text))</td>"
        }
    }

    // MARK: Chart

    /// Activation memory (up) and parameters (down) per layer, on one axis of layers: the notes'
    /// lesson that memory sits early and parameters late. Past `maximumBars` rows a bar adds up a bin.
    func chart(_ network: NetworkReport) -> String {
        let rows = network.rows
        guard !rows.isEmpty else { return "" }
        let binSize = (rows.count + Self.maximumBars - 1) / Self.maximumBars
        let bins = (rows.count + binSize - 1) / binSize
        var memory = [Int](repeating: 0, count: bins)
        var params = [Int](repeating: 0, count: bins)
        for row in rows {
            memory[row.index / binSize] = saturatingAdd(memory[row.index / binSize], row.activations)
            params[row.index / binSize] = saturatingAdd(params[row.index / binSize], row.params)
        }
        let (left, plotWidth, half) = (64.0, 1000.0, 110.0)
        let width = left + plotWidth + 16
        let axis = 30 + half
        let height = axis + half + (bins <= 60 ? 90 : 40)
        let step = plotWidth / Double(bins)
        let barWidth = max(1, step * 0.8)
        let maxMemory = max(1, memory.max() ?? 1)
        let maxParams = max(1, params.max() ?? 1)
        let n = Markup.number
        var out = "<div class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"nc chartsvg\" width=\"\(n(width))\" "
        out += "height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\">"
        out += "<rect class=\"bg\" width=\"100%\" height=\"100%\"/>\n"
        let memoryKey = "activation memory per layer, up (values per image; largest \(formatCount(maxMemory)))"
        let paramKey = "parameters per layer, down (largest \(formatCount(maxParams)))"
        let secondKey = left + 14 + Markup.textWidth(memoryKey) + 24
        out += "<rect class=\"mem key\" x=\"\(n(left))\" y=\"9\" width=\"10\" height=\"10\"/>"
        out += "<text x=\"\(n(left + 14))\" y=\"18\">\(memoryKey)</text>"
        out += "<rect class=\"par key\" x=\"\(n(secondKey))\" y=\"9\" width=\"10\" height=\"10\"/>"
        out += "<text x=\"\(n(secondKey + 14))\" y=\"18\">\(paramKey)</text>\n"
        for bin in 0..<bins {
            let first = bin * binSize
            let last = min(rows.count, first + binSize) - 1
            let x = left + Double(bin) * step + (step - barWidth) / 2
            let name = first == last ? rows[first].name : "\(rows[first].name) to \(rows[last].name)"
            let memoryHeight = Double(memory[bin]) / Double(maxMemory) * half
            let paramHeight = Double(params[bin]) / Double(maxParams) * half
            let what = first == last ? "" : " (rows \(first) to \(last))"
            out += "<g class=\"bin\"><title>\(Markup.escape(name + what)): \(formatCount(memory[bin])) values "
            out += "(\(share(memory[bin], of: network.totals.activations, decimals: 1))% of memory), \(formatCount(params[bin])) params "
            out += "(\(share(params[bin], of: network.totals.params, decimals: 1))%)</title>"
            out += "<rect class=\"hit\" x=\"\(n(left + Double(bin) * step))\" y=\"30\" width=\"\(n(step))\" height=\"\(n(2 * half))\"/>"
            if memory[bin] > 0 {
                out += "<rect class=\"mem\" x=\"\(n(x))\" y=\"\(n(axis - max(0.5, memoryHeight)))\" width=\"\(n(barWidth))\" height=\"\(n(max(0.5, memoryHeight)))\"/>"
            }
            if params[bin] > 0 {
                out += "<rect class=\"par\" x=\"\(n(x))\" y=\"\(n(axis))\" width=\"\(n(barWidth))\" height=\"\(n(max(0.5, paramHeight)))\"/>"
            }
            out += "</g>\n"
            if bins <= 60 {
                let labelX = left + Double(bin) * step + step / 2
                let labelY = axis + half + 14
                out += "<text class=\"dim tick\" transform=\"translate(\(n(labelX + 3)),\(n(labelY))) rotate(-55)\" text-anchor=\"end\">"
                out += "\(Markup.escape(Figure.cut(rows[first].name, 14)))</text>\n"
            }
        }
        out += "<path class=\"axis\" d=\"M\(n(left)) \(n(axis))h\(n(plotWidth))\"/>\n"
        if bins > 60 {
            for tick in stride(from: 0, to: bins, by: max(1, bins / 10)) {
                let x = left + Double(tick) * step
                out += "<text class=\"dim\" x=\"\(n(x))\" y=\"\(n(axis + half + 16))\">row \(tick * binSize)</text>\n"
            }
        }
        if binSize > 1 {
            out += "<text class=\"dim\" x=\"\(n(left))\" y=\"\(n(height - 6))\">each bar adds up \(binSize) consecutive rows</text>\n"
        }
        return out + "</svg></div>\n"
    }

    // MARK: Style and script

    /// The page's style sheet: light colours, dark ones on a dark screen, nothing interactive in print.
    static let css = """
        :root{--fg:#1f2328;--bg:#ffffff;--muted:#57606a;--line:#d0d7de;--head:#f6f8fa;--hl:#fff3c4;--mem:#4c8bd6;--par:#e8913a;--mac:#8250df}
        @media screen and (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9da7b3;--line:#30363d;--head:#161b22;--hl:#3b3217}}
        body{margin:0;padding:0 24px 40px;background:var(--bg);color:var(--fg);font:14px/1.45 'DejaVu Sans','Helvetica Neue',Helvetica,Arial,sans-serif}
        h1{font-size:22px;margin:20px 0 4px}h2{font-size:19px;margin:32px 0 2px;padding-top:12px;border-top:1px solid var(--line)}
        h3{font-size:15px;margin:22px 0 8px}.meta,.note{color:var(--muted);margin:2px 0}
        nav ul{list-style:none;padding:0;margin:8px 0;display:flex;flex-wrap:wrap;gap:4px 16px}
        a{color:#1f6feb}
        .figure,.chart,.scroll{overflow-x:auto;max-width:100%}
        .figure svg,.chart svg{display:block;max-width:100%;height:auto}
        table{border-collapse:collapse;font:12px/1.35 'DejaVu Sans Mono',Menlo,Consolas,'Liberation Mono',monospace}
        th,td{padding:2px 8px;border-bottom:1px solid var(--line);white-space:nowrap}
        thead th{position:sticky;top:0;background:var(--head)}
        .num{text-align:right}.txt{text-align:left}.tree{color:var(--muted)}
        .share{min-width:150px}.pct{display:inline-block;width:50px;text-align:right;margin-right:6px}
        .bar{display:inline-block;width:90px;height:9px;background:var(--head);border:1px solid var(--line);vertical-align:middle}
        .bar span{display:block;height:100%}.bar.mem span{background:var(--mem)}.bar.par span{background:var(--par)}.bar.mac span{background:var(--mac)}
        tr.hl td,tr[data-row]:hover td{background:var(--hl)}
        table.totals th{text-align:left;font-weight:bold;padding-right:16px}table.totals td{white-space:normal}
        td.more{color:var(--muted);font-style:italic}
        pre{font:12px/1.4 'DejaVu Sans Mono',Menlo,Consolas,'Liberation Mono',monospace;background:var(--head);padding:10px 12px;border:1px solid var(--line);overflow-x:auto}
        .explain{position:fixed;z-index:10;max-width:760px;margin:0;padding:8px 10px;background:var(--head);color:var(--fg);border:1px solid var(--line);box-shadow:0 4px 14px rgba(0,0,0,.25);font:12px/1.4 'DejaVu Sans Mono',Menlo,Consolas,monospace;white-space:pre-wrap;pointer-events:none}
        .nc .n.hl path,.nc .n.hl circle{stroke:#d4a000;stroke-width:2.2}
        .chartsvg .mem{fill:var(--mem)}.chartsvg .par{fill:var(--par)}.chartsvg text{fill:var(--fg)}.chartsvg .hit{fill:transparent}.chartsvg .bin:hover .hit{fill:var(--hl)}
        .chartsvg .axis{stroke:var(--muted);stroke-width:1}
        @media print{.explain{display:none}thead th{position:static}}

        """

    /// Shows a row's worked formulas beside the pointer and marks its box and its table row.
    static let script = """
        (function () {
          var panel = document.getElementById('explain');
          var marked = [];
          function unmark() { marked.forEach(function (e) { e.classList.remove('hl'); }); marked = []; panel.hidden = true; }
          function place(event) {
            var x = event.clientX + 16, y = event.clientY + 16;
            if (x + panel.offsetWidth > window.innerWidth) { x = Math.max(0, event.clientX - panel.offsetWidth - 16); }
            if (y + panel.offsetHeight > window.innerHeight) { y = Math.max(0, event.clientY - panel.offsetHeight - 16); }
            panel.style.left = x + 'px'; panel.style.top = y + 'px';
          }
          document.querySelectorAll('section.network').forEach(function (section) {
            var net = section.getAttribute('data-net');
            var lines = {};
            section.querySelectorAll('tr[data-row]').forEach(function (tr) {
              lines[tr.getAttribute('data-row')] = tr.getAttribute('title');
              tr.removeAttribute('title');
            });
            section.querySelectorAll('.figure g.n title').forEach(function (t) { t.parentNode.removeChild(t); });
            section.querySelectorAll('[data-row]').forEach(function (element) {
              var row = element.getAttribute('data-row');
              element.addEventListener('mouseenter', function (event) {
                unmark();
                var box = document.getElementById('f' + net + '-r' + row);
                var tr = section.querySelector('tr[data-row="' + row + '"]');
                [box, tr].forEach(function (e) { if (e) { e.classList.add('hl'); marked.push(e); } });
                if (lines[row]) { panel.textContent = lines[row]; panel.hidden = false; place(event); }
              });
              element.addEventListener('mousemove', place);
              element.addEventListener('mouseleave', unmark);
            });
          });
        })();
        """
}
