//===- Plots.h - the SVG plots of m3sat-profile -----------------*- C++ -*-===//
//
// Self-contained SVG (no script, no external font or style): the expert
// usage heatmap (one panel per task, a colour scale with values, axis
// names), the pruning trade-off (output deviation against parameters kept,
// one curve per task) and the cost report (FLOPs and parameter bytes, full
// model against each task). Every plot has its title inside the viewBox
// and marks its parts with classes (title, axis, legend, panel) that the
// tests look for. PNG copies through rsvg-convert (librsvg2-bin) when it is
// installed.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TOOLS_PROFILE_PLOTS_H
#define M3SAT_TOOLS_PROFILE_PLOTS_H

#include <cstdint>
#include <string>
#include <vector>

namespace m3sat {

/// One MoE layer's routing: its share of the layer's routing mass per
/// expert and how many token slots chose each.
struct HeatmapLayer {
  std::string name;
  std::vector<double> share;
  std::vector<int64_t> counts;
};
struct HeatmapTask {
  std::string name;
  std::vector<HeatmapLayer> layers;
};
std::string heatmapSvg(const std::vector<HeatmapTask> &tasks,
                       const std::string &title);

/// One point of the pruning trade-off: a coverage, what it keeps and how
/// far the outputs move.
struct SweepPoint {
  double coverage;
  double paramBytes;
  double maxAbs, meanAbs;
};
struct SweepCurve {
  std::string task;
  double unprunedParamBytes;
  std::vector<SweepPoint> points;
};
std::string sweepSvg(const std::vector<SweepCurve> &curves,
                     const std::string &title);

/// Bars of one task: the full model, the task, the task pruned at some
/// coverages (label, FLOPs, parameter bytes).
struct CostBar {
  std::string label;
  double flops, paramBytes;
};
struct CostGroup {
  std::string task;
  std::vector<CostBar> bars;
};
std::string costSvg(const std::vector<CostGroup> &groups,
                    const std::string &title);

/// Renders `svgPath` to `pngPath` with rsvg-convert. Returns false, with
/// `note` saying why (not installed, failed), when there is no PNG.
bool writePng(const std::string &svgPath, const std::string &pngPath,
              std::string &note);

/// A short, readable label for MoE layer `name` among `all`: the part
/// that differs between them ("/blocks.3/ffn/MoE" among its siblings:
/// "blocks.3"), at most `limit` characters (an ellipsis in the middle).
std::string shortLayerName(const std::string &name,
                           const std::vector<std::string> &all,
                           size_t limit = 24);

} // namespace m3sat

#endif // M3SAT_TOOLS_PROFILE_PLOTS_H
