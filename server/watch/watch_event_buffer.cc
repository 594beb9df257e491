// watch_event_buffer.cc: the bounded event queue of one stream.
#include "server/watch/watch_event_buffer.h"

#include <algorithm>
#include <utility>

namespace miniter::watch {

WatchEventBuffer::WatchEventBuffer(std::size_t capacity,
                                   std::string initial_cursor)
    : capacity_(std::max<std::size_t>(capacity, 1)),
      last_written_cursor_(std::move(initial_cursor)) {}

bool WatchEventBuffer::Push(WatchEvent event) {
  if (overflowed_ || queued_.size() >= capacity_) {
    overflowed_ = true;
    return false;
  }
  queued_.push_back(std::move(event));
  return true;
}

std::optional<WatchEvent> WatchEventBuffer::Pop() {
  if (queued_.empty()) return std::nullopt;
  WatchEvent event = std::move(queued_.front());
  queued_.pop_front();
  return event;
}

}  // namespace miniter::watch
