//===- Plots.cpp - the SVG plots of m3sat-profile -------------------------===//

#include "Plots.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

using namespace m3sat;

namespace {

const char *kFont = "DejaVu Sans, Verdana, sans-serif";

/// Width of `text` at `size` px in a sans-serif font, overestimated a
/// little so that nothing is clipped.
double textWidth(const std::string &text, double size) {
  return 0.62 * size * text.size();
}

std::string escape(llvm::StringRef text) {
  std::string out;
  for (char c : text)
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  return out;
}

std::string num(double value) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.1f", value);
  return text;
}

/// A minimal SVG writer.
class Svg {
public:
  void text(double x, double y, const std::string &content, double size = 11,
            const std::string &extra = "") {
    body << "<text x=\"" << num(x) << "\" y=\"" << num(y) << "\" font-size=\""
         << num(size) << "\"" << (extra.empty() ? "" : " ") << extra << ">"
         << escape(content) << "</text>\n";
  }
  void rect(double x, double y, double w, double h, const std::string &fill,
            const std::string &extra = "", const std::string &title = "") {
    body << "<rect x=\"" << num(x) << "\" y=\"" << num(y) << "\" width=\""
         << num(w) << "\" height=\"" << num(h) << "\" fill=\"" << fill << "\""
         << (extra.empty() ? "" : " ") << extra;
    if (title.empty())
      body << "/>\n";
    else
      body << "><title>" << escape(title) << "</title></rect>\n";
  }
  void line(double x1, double y1, double x2, double y2,
            const std::string &stroke = "#333", double width = 1,
            const std::string &extra = "") {
    body << "<line x1=\"" << num(x1) << "\" y1=\"" << num(y1) << "\" x2=\""
         << num(x2) << "\" y2=\"" << num(y2) << "\" stroke=\"" << stroke
         << "\" stroke-width=\"" << num(width) << "\""
         << (extra.empty() ? "" : " ") << extra << "/>\n";
  }
  void raw(const std::string &text) { body << text; }
  void open(const std::string &cls) { body << "<g class=\"" << cls << "\">\n"; }
  void close() { body << "</g>\n"; }

  /// The document: `width` x `height`, the title at the top left.
  std::string finish(double width, double height, const std::string &title) {
    width = std::ceil(width);
    height = std::ceil(height);
    std::string out;
    llvm::raw_string_ostream os(out);
    os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(width)
       << "\" height=\"" << num(height) << "\" viewBox=\"0 0 " << num(width)
       << " " << num(height) << "\" font-family=\"" << kFont << "\">\n"
       << "<rect class=\"background\" x=\"0\" y=\"0\" width=\"" << num(width)
       << "\" height=\"" << num(height) << "\" fill=\"white\"/>\n"
       << "<text class=\"title\" x=\"12\" y=\"24\" font-size=\"16\" "
          "font-weight=\"bold\">"
       << escape(title) << "</text>\n"
       << bodyText << "</svg>\n";
    return out;
  }

private:
  std::string bodyText;
  llvm::raw_string_ostream body{bodyText};
};

/// The viridis colour map at `t` in [0, 1] (five anchors, linear between).
std::string viridis(double t) {
  static const double anchors[5][3] = {{68, 1, 84},
                                       {59, 82, 139},
                                       {33, 145, 140},
                                       {94, 201, 98},
                                       {253, 231, 37}};
  t = std::clamp(t, 0.0, 1.0) * 4;
  int i = std::min(3, static_cast<int>(t));
  double f = t - i;
  int rgb[3];
  for (int c = 0; c < 3; ++c)
    rgb[c] = static_cast<int>(
        std::lround(anchors[i][c] + f * (anchors[i + 1][c] - anchors[i][c])));
  std::string out;
  llvm::raw_string_ostream(out)
      << "rgb(" << rgb[0] << "," << rgb[1] << "," << rgb[2] << ")";
  return out;
}

/// Colours of curves and bars (Tableau 10).
const char *palette(size_t i) {
  static const char *colours[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                  "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                                  "#9c755f", "#bab0ac"};
  return colours[i % 10];
}

std::string bytesText(double bytes) {
  const char *units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000 && u < 4) {
    bytes /= 1000;
    ++u;
  }
  std::string out;
  llvm::raw_string_ostream(out)
      << llvm::format(bytes < 10 ? "%.2f %s" : "%.1f %s", bytes, units[u]);
  return out;
}

std::string flopsText(double flops) {
  const char *units[] = {"FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP"};
  int u = 0;
  while (flops >= 1000 && u < 4) {
    flops /= 1000;
    ++u;
  }
  std::string out;
  llvm::raw_string_ostream(out)
      << llvm::format(flops < 10 ? "%.2f %s" : "%.1f %s", flops, units[u]);
  return out;
}

std::string shortNumber(double value) {
  std::string out;
  llvm::raw_string_ostream(out) << llvm::format("%g", value);
  return out;
}

/// About `count` round tick values covering [lo, hi].
std::vector<double> ticks(double lo, double hi, int count) {
  if (!(hi > lo))
    hi = lo + 1;
  double raw = (hi - lo) / count;
  double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  std::vector<double> out;
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9;
       v += step)
    out.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
  return out;
}

} // namespace

std::string m3sat::shortLayerName(const std::string &name,
                                  const std::vector<std::string> &all,
                                  size_t limit) {
  // The path components every name shares at the end ("/ffn/MoE") go.
  auto split = [](llvm::StringRef text) {
    llvm::SmallVector<llvm::StringRef> parts;
    text.split(parts, '/', -1, /*KeepEmpty=*/false);
    return parts;
  };
  llvm::SmallVector<llvm::StringRef> mine = split(name);
  size_t common = mine.size();
  for (const std::string &other : all) {
    llvm::SmallVector<llvm::StringRef> theirs = split(other);
    size_t n = 0;
    while (n < common && n < theirs.size() &&
           mine[mine.size() - 1 - n] == theirs[theirs.size() - 1 - n])
      ++n;
    common = n;
  }
  if (all.size() < 2 || common >= mine.size())
    common = 0;
  std::string label;
  for (size_t i = 0; i + common < mine.size(); ++i)
    label += (label.empty() ? "" : "/") + mine[i].str();
  if (label.empty())
    label = name;
  if (label.size() > limit) {
    size_t head = (limit - 1) / 2, tail = limit - 1 - head;
    label =
        label.substr(0, head) + "\u2026" + label.substr(label.size() - tail);
  }
  return label;
}

std::string m3sat::heatmapSvg(const std::vector<HeatmapTask> &tasks,
                              const std::string &title) {
  // Rows: every layer name in order of first appearance.
  std::vector<std::string> layers;
  size_t experts = 1;
  double peak = 0;
  for (const HeatmapTask &task : tasks)
    for (const HeatmapLayer &layer : task.layers) {
      if (std::find(layers.begin(), layers.end(), layer.name) == layers.end())
        layers.push_back(layer.name);
      experts = std::max(experts, layer.share.size());
      for (double s : layer.share)
        peak = std::max(peak, s);
    }
  // The colour scale: 0 to a round share at or above the largest one.
  double scaleTop = 0.1;
  while (scaleTop < peak - 1e-12 && scaleTop < 1)
    scaleTop += scaleTop < 0.5 ? 0.1 : 0.25;
  scaleTop = std::min(scaleTop, 1.0);

  const double cell = 26, gap = 28, top = 92;
  std::vector<std::string> labels;
  double labelWidth = textWidth("layer", 11);
  for (const std::string &layer : layers) {
    labels.push_back(shortLayerName(layer, layers));
    labelWidth = std::max(labelWidth, textWidth(labels.back(), 11));
  }
  double left = 34 + labelWidth + 8;
  double panelWidth = experts * cell;
  double panelsRight = left + tasks.size() * (panelWidth + gap) - gap;
  double rowsHeight = std::max<double>(layers.size() * cell, 140);
  Svg svg;
  svg.text(12, 44,
           "cell: % of the layer's routing mass on the profiled samples that "
           "went to the expert (hover: token slots)",
           11, "class=\"subtitle\" fill=\"#444\"");

  // The layer axis: one label per row, the axis name turned.
  svg.open("axis y-axis");
  double midY = top + layers.size() * cell / 2;
  svg.text(18, midY, "layer", 12,
           "text-anchor=\"middle\" transform=\"rotate(-90 18 " + num(midY) +
               ")\" class=\"axis-name\"");
  for (size_t r = 0; r < layers.size(); ++r)
    svg.raw("<text x=\"" + num(left - 8) + "\" y=\"" +
            num(top + r * cell + cell / 2 + 4) +
            "\" font-size=\"11\" text-anchor=\"end\"><title>" +
            escape(layers[r]) + "</title>" + escape(labels[r]) + "</text>\n");
  svg.close();

  for (size_t t = 0; t < tasks.size(); ++t) {
    const HeatmapTask &task = tasks[t];
    double x0 = left + t * (panelWidth + gap);
    svg.open("panel");
    svg.text(x0 + panelWidth / 2, top - 30, "task " + task.name, 12,
             "text-anchor=\"middle\" font-weight=\"bold\"");
    // The expert axis: ids over the columns, its name under the panel.
    svg.open("axis x-axis");
    for (size_t e = 0; e < experts; ++e)
      svg.text(x0 + e * cell + cell / 2, top - 6, std::to_string(e), 9,
               "text-anchor=\"middle\"");
    svg.text(x0 + panelWidth / 2, top + layers.size() * cell + 18, "expert", 12,
             "text-anchor=\"middle\" class=\"axis-name\"");
    svg.close();
    for (size_t r = 0; r < layers.size(); ++r) {
      auto found = std::find_if(
          task.layers.begin(), task.layers.end(),
          [&](const HeatmapLayer &l) { return l.name == layers[r]; });
      double y = top + r * cell;
      for (size_t e = 0; e < experts; ++e) {
        double x = x0 + e * cell;
        if (found == task.layers.end() || e >= found->share.size()) {
          svg.rect(x, y, cell - 1, cell - 1, "#eeeeee", "",
                   task.name + " " + layers[r] + ": no such expert");
          continue;
        }
        double share = found->share[e];
        svg.rect(x, y, cell - 1, cell - 1, viridis(share / scaleTop), "",
                 task.name + " " + layers[r] + ", expert " + std::to_string(e) +
                     ": " + num(100 * share) + "% of the routing mass, " +
                     std::to_string(found->counts[e]) + " token slots");
        double percent = 100 * share;
        std::string value =
            share == 0 ? "0"
            : percent < 0.5
                ? "<1"
                : std::to_string(static_cast<int>(std::lround(percent)));
        svg.text(x + (cell - 1) / 2, y + cell / 2 + 3, value, 9,
                 std::string("text-anchor=\"middle\" fill=\"") +
                     (share / scaleTop > 0.6 ? "black" : "white") + "\"");
      }
    }
    svg.close();
  }

  // The colour scale with its values.
  double barX = panelsRight + 30, barH = rowsHeight;
  svg.open("legend");
  const int steps = 40;
  for (int i = 0; i < steps; ++i)
    svg.rect(barX, top + barH - (i + 1) * barH / steps, 14, barH / steps + 0.5,
             viridis((i + 0.5) / steps));
  svg.rect(barX, top, 14, barH, "none", "stroke=\"#333\"");
  for (double v : ticks(0, scaleTop * 100, 5)) {
    double y = top + barH - v / (scaleTop * 100) * barH;
    svg.line(barX + 14, y, barX + 18, y);
    svg.text(barX + 21, y + 4, shortNumber(v) + "%", 10);
  }
  double nameX = barX + 21 + textWidth("100%", 10) + 14;
  svg.text(nameX, top + barH / 2, "share of routing mass", 11,
           "text-anchor=\"middle\" transform=\"rotate(-90 " + num(nameX) + " " +
               num(top + barH / 2) + ")\"");
  svg.close();

  double width = std::max(nameX + 12, 24 + textWidth(title, 16));
  width = std::max(width, 24 + textWidth("cell: % of the layer's routing mass "
                                         "on the profiled samples that went to "
                                         "the expert (hover: token slots)",
                                         11));
  double height = top + std::max(layers.size() * cell + 30, barH + 10) + 12;
  return svg.finish(width, height, title);
}

std::string m3sat::sweepSvg(const std::vector<SweepCurve> &curves,
                            const std::string &title) {
  // x: parameters kept (bytes); y: deviation, log scale (0 on the floor).
  double xLo = 0, xHi = 0, yLo = INFINITY, yHi = 0;
  for (const SweepCurve &curve : curves) {
    xHi = std::max(xHi, curve.unprunedParamBytes);
    for (const SweepPoint &p : curve.points) {
      xHi = std::max(xHi, p.paramBytes);
      for (double v : {p.maxAbs, p.meanAbs})
        if (v > 0) {
          yLo = std::min(yLo, v);
          yHi = std::max(yHi, v);
        }
    }
  }
  if (!(yHi > 0))
    yLo = 1e-7, yHi = 1e-6;
  double decadeLo = std::floor(std::log10(yLo)) - 1;
  double decadeHi = std::ceil(std::log10(yHi));
  if (decadeHi <= decadeLo)
    decadeHi = decadeLo + 1;
  // x from a round value under the smallest point.
  double xMin = xHi;
  for (const SweepCurve &curve : curves)
    for (const SweepPoint &p : curve.points)
      xMin = std::min(xMin, p.paramBytes);
  std::vector<double> xTicks = ticks(xMin * 0.9, xHi, 5);
  double step = xTicks.size() > 1 ? xTicks[1] - xTicks[0] : std::max(xHi, 1.0);
  xLo = xTicks.front();
  while (xLo > xMin * 0.9 && xLo - step >= 0) {
    xLo -= step;
    xTicks.insert(xTicks.begin(), xLo);
  }
  xHi = std::max(xHi, xTicks.back());
  if (!(xHi > xLo))
    xHi = xLo + 1;

  const double panelW = 340, panelH = 240, top = 70, left = 78, gap = 90;
  Svg svg;
  const char *names[2] = {"max abs error", "mean abs error"};
  for (int panel = 0; panel < 2; ++panel) {
    double x0 = left + panel * (panelW + gap);
    auto px = [&](double v) { return x0 + (v - xLo) / (xHi - xLo) * panelW; };
    auto py = [&](double v) {
      double d = v > 0 ? std::log10(v) : decadeLo;
      d = std::max(d, decadeLo);
      return top + panelH - (d - decadeLo) / (decadeHi - decadeLo) * panelH;
    };
    svg.open("panel");
    svg.text(x0 + panelW / 2, top - 10,
             names[panel] + std::string(" on "
                                        "held-out "
                                        "samples"),
             12, "text-anchor=\"middle\" font-weight=\"bold\"");
    svg.rect(x0, top, panelW, panelH, "none", "stroke=\"#333\"");
    svg.open("axis x-axis");
    for (double v : xTicks) {
      svg.line(px(v), top + panelH, px(v), top + panelH + 4);
      svg.line(px(v), top, px(v), top + panelH, "#ddd", 1);
      svg.text(px(v), top + panelH + 16, bytesText(v), 10,
               "text-anchor=\"middle\"");
    }
    svg.text(x0 + panelW / 2, top + panelH + 36, "parameter bytes kept", 12,
             "text-anchor=\"middle\" class=\"axis-name\"");
    svg.close();
    svg.open("axis y-axis");
    for (double d = decadeLo; d <= decadeHi + 1e-9; d += 1) {
      double y = top + panelH - (d - decadeLo) / (decadeHi - decadeLo) * panelH;
      svg.line(x0 - 4, y, x0, y);
      svg.line(x0, y, x0 + panelW, y, "#ddd", 1);
      std::string label = d == decadeLo ? "\u2264 1e" : "1e";
      svg.text(x0 - 7, y + 4, label + std::to_string(static_cast<int>(d)), 10,
               "text-anchor=\"end\"");
    }
    double midY = top + panelH / 2;
    svg.text(
        x0 - 60, midY, names[panel], 12,
        "text-anchor=\"middle\" class=\"axis-name\" transform=\"rotate(-90 " +
            num(x0 - 60) + " " + num(midY) + ")\"");
    svg.close();
    for (size_t c = 0; c < curves.size(); ++c) {
      const SweepCurve &curve = curves[c];
      // The unpruned task's parameters, dashed.
      svg.line(px(curve.unprunedParamBytes), top, px(curve.unprunedParamBytes),
               top + panelH, palette(c), 1,
               "stroke-dasharray=\"4 3\" class=\"unpruned\"");
      std::vector<SweepPoint> points = curve.points;
      std::sort(points.begin(), points.end(),
                [](const SweepPoint &a, const SweepPoint &b) {
                  return a.paramBytes < b.paramBytes;
                });
      std::string path;
      for (const SweepPoint &p : points)
        path += num(px(p.paramBytes)) + "," +
                num(py(panel ? p.meanAbs : p.maxAbs)) + " ";
      svg.raw("<polyline class=\"curve\" fill=\"none\" stroke=\"" +
              std::string(palette(c)) + "\" stroke-width=\"2\" points=\"" +
              path + "\"/>\n");
      for (const SweepPoint &p : points) {
        double v = panel ? p.meanAbs : p.maxAbs;
        std::string tip = "task " + curve.task + ", coverage " +
                          shortNumber(p.coverage) + ": " +
                          bytesText(p.paramBytes) + " kept, " + names[panel] +
                          " " + shortNumber(v);
        svg.raw("<circle cx=\"" + num(px(p.paramBytes)) + "\" cy=\"" +
                num(py(v)) + "\" r=\"4\" fill=\"" +
                (v > 0 ? std::string(palette(c)) : std::string("white")) +
                "\" stroke=\"" + palette(c) + "\" stroke-width=\"2\"><title>" +
                escape(tip) + "</title></circle>\n");
        if (c == 0)
          svg.text(px(p.paramBytes) + 5, py(v) - 6,
                   "C=" + shortNumber(p.coverage), 9, "fill=\"#555\"");
      }
    }
    svg.close();
  }
  // The legend: one entry per task.
  double legendX = left + 2 * panelW + gap + 24, y = top + 8;
  svg.open("legend");
  for (size_t c = 0; c < curves.size(); ++c, y += 18) {
    svg.line(legendX, y - 4, legendX + 22, y - 4, palette(c), 2);
    svg.text(legendX + 28, y, "task " + curves[c].task, 11);
  }
  svg.text(legendX, y + 6, "hollow: no deviation", 10, "fill=\"#555\"");
  svg.text(legendX, y + 20, "C: coverage", 10, "fill=\"#555\"");
  svg.text(legendX, y + 34, "dashed: unpruned task", 10, "fill=\"#555\"");
  svg.close();
  double legendW = 28 + textWidth("task ", 11) + 10;
  for (const SweepCurve &curve : curves)
    legendW = std::max(legendW, 28 + textWidth("task " + curve.task, 11));
  legendW = std::max(legendW, textWidth("hollow: no deviation", 10));
  double width = std::max(legendX + legendW + 16, 24 + textWidth(title, 16));
  double height = std::max(top + panelH + 50, y + 44);
  return svg.finish(width, height, title);
}

std::string m3sat::costSvg(const std::vector<CostGroup> &groups,
                           const std::string &title) {
  // Rows: each task's bars; two panels (FLOPs, parameter bytes) side by
  // side, bars as a share of the largest.
  struct Row {
    std::string label;
    const CostBar *bar;
    size_t kind;
  };
  std::vector<Row> rows;
  std::vector<std::string> kinds;
  double labelWidth = 0, maxFlops = 0, maxBytes = 0;
  for (const CostGroup &group : groups)
    for (const CostBar &bar : group.bars) {
      auto kind = std::find(kinds.begin(), kinds.end(), bar.label);
      if (kind == kinds.end())
        kinds.push_back(bar.label);
      size_t k =
          std::find(kinds.begin(), kinds.end(), bar.label) - kinds.begin();
      rows.push_back({group.task + ": " + bar.label, &bar, k});
      labelWidth = std::max(labelWidth, textWidth(rows.back().label, 11));
      maxFlops = std::max(maxFlops, bar.flops);
      maxBytes = std::max(maxBytes, bar.paramBytes);
    }
  const double rowH = 18, top = 80, panelW = 300, gap = 130;
  double left = 16 + labelWidth + 8;
  // Extra space between tasks.
  std::vector<double> rowY;
  double y = top;
  std::string lastTask;
  for (const CostGroup &group : groups) {
    if (!rowY.empty())
      y += 8;
    for (size_t b = 0; b < group.bars.size(); ++b, y += rowH)
      rowY.push_back(y);
  }
  double bottom = y;
  Svg svg;
  svg.open("axis y-axis");
  for (size_t r = 0; r < rows.size(); ++r)
    svg.text(left - 8, rowY[r] + rowH / 2 + 3, rows[r].label, 11,
             "text-anchor=\"end\"");
  svg.close();
  for (int panel = 0; panel < 2; ++panel) {
    double x0 = left + panel * (panelW + gap);
    double maxValue = panel ? maxBytes : maxFlops;
    if (!(maxValue > 0))
      maxValue = 1;
    svg.open("panel");
    svg.text(x0 + panelW / 2, top - 28,
             panel ? "parameter bytes" : "FLOPs per run", 12,
             "text-anchor=\"middle\" font-weight=\"bold\"");
    svg.open("axis x-axis");
    std::vector<double> xs = ticks(0, maxValue, 4);
    double xMax = std::max(maxValue, xs.back());
    for (double v : xs) {
      double x = x0 + v / xMax * panelW;
      svg.line(x, top - 4, x, bottom, "#ddd", 1);
      svg.text(x, top - 8, panel ? bytesText(v) : flopsText(v), 9,
               "text-anchor=\"middle\"");
    }
    svg.line(x0, top - 4, x0, bottom, "#333", 1);
    svg.text(x0 + panelW / 2, bottom + 18,
             panel ? "parameter bytes (weights)" : "FLOPs", 12,
             "text-anchor=\"middle\" class=\"axis-name\"");
    svg.close();
    for (size_t r = 0; r < rows.size(); ++r) {
      double value = panel ? rows[r].bar->paramBytes : rows[r].bar->flops;
      double w = value / xMax * panelW;
      std::string text = panel ? bytesText(value) : flopsText(value);
      svg.rect(x0, rowY[r] + 2, std::max(w, 0.5), rowH - 4,
               palette(rows[r].kind), "", rows[r].label + ": " + text);
      svg.text(x0 + w + 4, rowY[r] + rowH / 2 + 3, text, 9, "fill=\"#333\"");
    }
    svg.close();
  }
  double legendX = left + 2 * panelW + gap + 70;
  svg.open("legend");
  double ly = top;
  double legendW = 0;
  for (size_t k = 0; k < kinds.size(); ++k, ly += 18) {
    svg.rect(legendX, ly - 9, 14, 12, palette(k));
    svg.text(legendX + 20, ly + 1, kinds[k], 11);
    legendW = std::max(legendW, 20 + textWidth(kinds[k], 11));
  }
  svg.close();
  double width = std::max(legendX + legendW + 16, 24 + textWidth(title, 16));
  double height = std::max(bottom + 34, ly + 10);
  return svg.finish(width, height, title);
}

bool m3sat::writePng(const std::string &svgPath, const std::string &pngPath,
                     std::string &note) {
  llvm::ErrorOr<std::string> program =
      llvm::sys::findProgramByName("rsvg-convert");
  if (!program) {
    note = "no PNG: rsvg-convert is not installed (Debian: librsvg2-bin)";
    return false;
  }
  std::string temp = pngPath + ".tmp";
  llvm::SmallVector<llvm::StringRef> args = {*program, "-b", "white",
                                             "-o",     temp, svgPath};
  std::string error;
  int status = llvm::sys::ExecuteAndWait(*program, args, std::nullopt, {}, 60,
                                         0, &error);
  if (status != 0 || llvm::sys::fs::rename(temp, pngPath)) {
    llvm::sys::fs::remove(temp);
    note = "no PNG: rsvg-convert failed on " + svgPath +
           (error.empty() ? "" : ": " + error);
    return false;
  }
  return true;
}
