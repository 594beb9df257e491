// watch_event_buffer.h: the bounded queue between a stream's producer (the
// watch workers) and its writer (the gRPC reactor), and the cursor of the
// last event the writer actually wrote, which is what a stream that ends
// early hands back as its `resume-cursor` trailer.
//
// Bounded so that a reader slower than its timeline costs the server a
// fixed amount of memory: an event that does not fit overflows the buffer,
// and the stream is then ended (RESOURCE_EXHAUSTED) rather than queueing
// without end. Not thread-safe: the reactor holds it under its own lock.
#ifndef MINITER_SERVER_WATCH_WATCH_EVENT_BUFFER_H_
#define MINITER_SERVER_WATCH_WATCH_EVENT_BUFFER_H_

#include <cstddef>
#include <deque>
#include <optional>
#include <string>

#include "server/watch/watch_event.h"

namespace miniter::watch {

class WatchEventBuffer {
 public:
  // `capacity` at least 1; `initial_cursor` is what LastWrittenCursor says
  // before any event is written (the position the stream started from).
  WatchEventBuffer(std::size_t capacity, std::string initial_cursor);

  // Queues `event`; false (and nothing queued, the buffer marked
  // overflowed) when the buffer is full.
  bool Push(WatchEvent event);

  // Room for this many more events.
  std::size_t Room() const { return capacity_ - queued_.size(); }
  bool Empty() const { return queued_.empty(); }
  bool Overflowed() const { return overflowed_; }

  // The oldest queued event, removed; nullopt when empty. The writer calls
  // Written() once the transport has taken it.
  std::optional<WatchEvent> Pop();

  // The event Pop returned last was written: its cursor is now the one to
  // resume from.
  void Written(std::string cursor) { last_written_cursor_ = std::move(cursor); }

  // Drops every queued event (the stream is ending).
  void Clear() { queued_.clear(); }

  const std::string& LastWrittenCursor() const { return last_written_cursor_; }

 private:
  const std::size_t capacity_;
  std::deque<WatchEvent> queued_;
  std::string last_written_cursor_;
  bool overflowed_ = false;
};

}  // namespace miniter::watch

#endif  // MINITER_SERVER_WATCH_WATCH_EVENT_BUFFER_H_
