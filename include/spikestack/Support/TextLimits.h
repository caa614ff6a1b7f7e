//===- TextLimits.h - Bounds on MLIR text before it is parsed ---*- C++ -*-===//
//
// Part of the SpikeStack project.
//
//===----------------------------------------------------------------------===//
//
// MLIR's parser, verifier and printer recurse once per nesting level (a
// region in a region, an array in an array, a type in a type, an operator
// of an affine expression), so deeply nested text overflows the stack long
// before it runs out of memory: `module {` 4000 times crashes snn-opt. The
// tools that parse MLIR text (snn-opt, snn-translate, snn-run --interpret)
// first scan it with checkNestingDepth, which is lexical, linear and
// iterative, and refuse text nested deeper than kMaxMlirNesting levels with
// the line and column where the limit is crossed. No MLIR dependency: only
// absl::Status.
//
//===----------------------------------------------------------------------===//

#ifndef SPIKESTACK_SUPPORT_TEXTLIMITS_H
#define SPIKESTACK_SUPPORT_TEXTLIMITS_H

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"

namespace spikestack {

/// Deepest nesting accepted in MLIR text. Real IR nests fewer than 20
/// levels (module, function, expert body, tensor<...!snn.fixed<...>>); the
/// parser of the release build overflows its 8 MiB stack at about 4000
/// levels of regions and 7000 unary minus signs in an affine expression.
inline constexpr int kMaxMlirNesting = 1000;

/// Largest MLIR file the tools read (4 GiB).
inline constexpr int64_t kMaxMlirFileBytes = int64_t(4) << 30;

/// Scans MLIR `text` lexically and fails (InvalidArgument) when it nests
/// deeper than `maxDepth` levels. A level is an open bracket ('{', '(',
/// '[', '<') that is not closed yet, or an operator ('+', '-', '*',
/// 'floordiv', 'ceildiv', 'mod') of the affine expression it is in, inside
/// `affine_map<...>` or `affine_set<...>`. String literals ("...", with
/// backslash escapes) and `//` comments are skipped; `->` and `>=` close
/// nothing. The message starts with "LINE:COLUMN: " (1-based, the column in
/// bytes) of the character that crosses the limit, so that a tool can put
/// the file name in front: "in.mlir:3:4001: nesting deeper than 1000
/// levels of brackets; SpikeStack's tools accept at most 1000" (or "...
/// 1000 levels (brackets and the operators of an affine expression); ...").
absl::Status checkNestingDepth(std::string_view text,
                               int maxDepth = kMaxMlirNesting);

} // namespace spikestack

#endif // SPIKESTACK_SUPPORT_TEXTLIMITS_H
