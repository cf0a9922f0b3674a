//===- TileChannels.h - channels of DATAFLOW regions in tile loops --------===//
//
// Used by m3sat-hls-dataflow where it forms regions in the body of a loop
// over token tiles (`m3sat.hls.token_tiles`).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_TRANSFORMS_TILECHANNELS_H
#define M3SAT_TARGET_HLS_TRANSFORMS_TILECHANNELS_H

#include "mlir/IR/Block.h"
#include "mlir/IR/Value.h"

namespace m3sat::hls {

/// The bytes `buffer` (an allocation of a region in `block`, the body of a
/// loop over tiles of T tokens) takes once it holds a tile: where every
/// access in `within` (all, if empty), a load or store, indexes one
/// dimension by the tile's token (the loop's counter for T = 1,
/// `counter * T + t` with t a loop from 0 to T), that dimension counts T.
int64_t tileChannelBytes(mlir::Value buffer, mlir::Block &block,
                         llvm::ArrayRef<mlir::Operation *> within);

/// Makes `buffer` hold T entries along the dimension that every access
/// indexes by the tile's token (indexed by t, or 0 for T = 1); returns the
/// new buffer, or `buffer` itself without such a dimension.
mlir::Value shrinkChannelToTile(mlir::Value buffer, mlir::Block &block);

} // namespace m3sat::hls

#endif // M3SAT_TARGET_HLS_TRANSFORMS_TILECHANNELS_H
