//===- TextLimits.cpp - Bounds on textual inputs --------------------------===//
//
// Part of the SpikeStack project.
//
//===----------------------------------------------------------------------===//

#include "spikestack/Support/TextLimits.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace spikestack {
namespace {

bool isIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '$' || c == '.';
}

/// One pass over the text: brackets, strings, comments and the operators of
/// affine expressions, with the position of the current character.
class NestingScanner {
public:
  NestingScanner(std::string_view text, int maxDepth)
      : text(text), maxDepth(maxDepth) {}

  absl::Status run() {
    for (i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '\n') {
        ++line;
        lineStart = i + 1;
      } else if (c == '"') {
        skipString();
      } else if (c == '/' && next() == '/') {
        while (i + 1 < text.size() && text[i + 1] != '\n')
          ++i;
      } else if (c == '{' || c == '(' || c == '[' || c == '<') {
        if (auto st = open(c); !st.ok())
          return st;
      } else if (c == '}' || c == ')' || c == ']' || c == '>') {
        close(c);
      } else if (isIdentChar(c) && (i == 0 || !isIdentChar(text[i - 1]))) {
        if (auto st = word(); !st.ok())
          return st;
      } else if (c == '+' || c == '*' || (c == '-' && next() != '>')) {
        if (auto st = affineOperator(); !st.ok())
          return st;
      }
    }
    return absl::OkStatus();
  }

private:
  char next() const { return i + 1 < text.size() ? text[i + 1] : '\0'; }

  /// A string literal: to the closing quote, or to the end of the line
  /// when it is unterminated (MLIR strings do not span lines).
  void skipString() {
    for (++i; i < text.size(); ++i) {
      if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] != '\n')
        ++i;
      else if (text[i] == '"')
        return;
      else if (text[i] == '\n') {
        ++line;
        lineStart = i + 1;
        return;
      }
    }
  }

  absl::Status open(char c) {
    ++depth;
    if (c == '<' && pendingAffine) {
      affineDepth = depth;
      affineOperators = 0;
    }
    pendingAffine = false;
    return check(/*affine=*/false);
  }

  void close(char c) {
    // '->' and '>=' close nothing.
    if (c == '>' && ((i > 0 && text[i - 1] == '-') || next() == '='))
      return;
    if (depth == 0)
      return;
    if (depth == affineDepth) {
      affineDepth = -1;
      affineOperators = 0;
    }
    --depth;
  }

  /// An identifier: `affine_map` and `affine_set` open an affine body at
  /// their '<'; `floordiv`, `ceildiv` and `mod` are operators in one.
  absl::Status word() {
    size_t end = i;
    while (end < text.size() && isIdentChar(text[end]))
      ++end;
    const std::string_view w = text.substr(i, end - i);
    const char before = i > 0 ? text[i - 1] : ' ';
    i = end - 1;
    if (w == "affine_map" || w == "affine_set") {
      // The keyword, not a name (%affine_map, #affine_map, @affine_map).
      size_t k = end;
      while (k < text.size() && (text[k] == ' ' || text[k] == '\t'))
        ++k;
      pendingAffine =
          k < text.size() && text[k] == '<' &&
          std::string_view("%#@^!").find(before) == std::string_view::npos;
      return absl::OkStatus();
    }
    if (w == "floordiv" || w == "ceildiv" || w == "mod")
      return affineOperator();
    return absl::OkStatus();
  }

  /// The affine parser recurses once per operator of an expression.
  absl::Status affineOperator() {
    if (affineDepth < 0)
      return absl::OkStatus();
    ++affineOperators;
    return check(/*affine=*/true);
  }

  absl::Status check(bool affine) const {
    if (depth + affineOperators <= maxDepth)
      return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        line, ":", int64_t(i - lineStart) + 1, ": nesting deeper than ",
        maxDepth,
        affine ? " levels (brackets and the operators of an affine "
                 "expression)"
               : " levels of brackets",
        "; SpikeStack's tools accept at most ", maxDepth));
  }

  std::string_view text;
  int maxDepth;
  size_t i = 0, lineStart = 0;
  int64_t line = 1, depth = 0;
  // The affine_map/affine_set body being scanned: the depth of its '<'
  // (-1: none) and the operators seen in it.
  int64_t affineDepth = -1, affineOperators = 0;
  bool pendingAffine = false;
};

} // namespace

absl::Status checkNestingDepth(std::string_view text, int maxDepth) {
  return NestingScanner(text, maxDepth).run();
}

} // namespace spikestack
