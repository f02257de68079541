// The delimiter loop LineReceiver and LineOnlyReceiver share: the lines of
// what the receive buffer shows, found with one DelimiterScanner for as long
// as no callback invalidates it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <twisted/protocols/basic/detail/delimiter_scanner.h>
#include <twisted/protocols/basic/detail/receive_buffer.h>

namespace twisted::protocols::basic::detail {

/// What the loop does next (and how scanLines() ended).
enum class LineStep {
  kNext,    ///< go on with the next line (scanLines: no delimiter left)
  kRescan,  ///< something changed: the caller starts over with the buffer
  kStop,    ///< the parser is done with this data
};

/// Delivers the delimiter-terminated lines of `buffer.unparsed()`:
/// `refuse(length)` is asked first (true: the parser has handled it, e.g. a
/// line over its limit, and the loop stops); otherwise the line and its
/// delimiter are consumed before `deliver(line)` runs, so the callback may
/// feed data, clear the buffer or change the delimiter; then `after()` says
/// whether to stop, rescan or go on. A changed buffer (fed or cleared) or
/// delimiter also means a rescan. At kNext, `scanned` says where the next
/// search may start: the last delimiter.size() - 1 bytes are searched again,
/// as a delimiter may straddle the end of what has arrived.
template <class Refuse, class Deliver, class After>
LineStep scanLines(ReceiveBuffer& buffer, std::size_t& scanned, const std::string& delimiter,
                   Refuse&& refuse, Deliver&& deliver, After&& after) {
  std::string_view rest = buffer.unparsed();
  // A copy: a callback may assign a new delimiter, which ends this scan.
  const std::string delim = delimiter;
  const std::size_t d = delim.size();
  DelimiterScanner scan(rest, delim);
  const std::uint64_t generation = buffer.generation();
  std::size_t start = 0;  // rest[start..] is unparsed
  for (;;) {
    std::size_t at = scan.find(start + scanned);
    if (at == DelimiterScanner::npos) break;
    std::size_t length = at - start;
    if (refuse(length)) return LineStep::kStop;
    buffer.consume(length + d);
    scanned = 0;
    deliver(std::string_view(rest.data() + start, length));
    LineStep next = after();
    if (next != LineStep::kNext) return next;
    start = at + d;
    if (buffer.generation() != generation || !scan.sameDelimiter(delimiter))
      return LineStep::kRescan;
  }
  rest.remove_prefix(start);  // == buffer.unparsed(): no delimiter in it
  scanned = rest.size() >= d ? rest.size() - d + 1 : 0;
  return LineStep::kNext;
}

}  // namespace twisted::protocols::basic::detail
