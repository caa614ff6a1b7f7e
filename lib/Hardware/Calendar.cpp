//===- Calendar.cpp - bandwidth of a shared resource over time ------------===//
#include "spikestack/Hardware/Calendar.h"

#include <algorithm>
#include <cmath>

namespace spikestack::hw {

int64_t BandwidthCalendar::reserve(int64_t start, double bits,
                                   double perTransfer) {
  const double cap = perTransfer > 0 ? std::min(perTransfer, rate) : rate;
  int64_t b = start / kBucket;
  double left = bits;
  int64_t end = start;
  while (left > 0 && (!budget || (*budget)-- > 0)) {
    const int64_t b0 = b * kBucket, from = std::max(start, b0);
    const double window = double(b0 + kBucket - from);
    double &u = used[b];
    const double avail = std::min(cap * window, rate * double(kBucket) - u);
    if (avail > 0) {
      const double take = std::min(avail, left);
      // This transfer's bits follow the bucket's earlier users.
      end = from + int64_t(std::ceil(
                       (std::max(0.0, u - rate * double(from - b0)) + take) /
                       rate));
      end = std::max<int64_t>(end, from + int64_t(std::ceil(take / cap)));
      u += take;
      left -= take;
    }
    ++b;
  }
  return end;
}

} // namespace spikestack::hw
