// watch_event_buffer_test.cc: the bounded buffer refuses what does not fit
// (and stays refused), and names the cursor of the last event written.
#include "server/watch/watch_event_buffer.h"

#include "gtest/gtest.h"

namespace miniter::watch {
namespace {

WatchEvent EventWithCursor(const std::string& cursor) {
  WatchEvent event;
  event.cursor = cursor;
  return event;
}

TEST(WatchEventBufferTest, QueuesUpToCapacityInOrder) {
  WatchEventBuffer buffer(2, "start");
  EXPECT_EQ(buffer.Room(), 2u);
  EXPECT_TRUE(buffer.Push(EventWithCursor("a")));
  EXPECT_TRUE(buffer.Push(EventWithCursor("b")));
  EXPECT_EQ(buffer.Room(), 0u);
  EXPECT_EQ(buffer.Pop()->cursor, "a");
  EXPECT_EQ(buffer.Pop()->cursor, "b");
  EXPECT_FALSE(buffer.Pop().has_value());
  EXPECT_FALSE(buffer.Overflowed());
}

TEST(WatchEventBufferTest, OverflowRefusesThatAndEveryLaterEvent) {
  WatchEventBuffer buffer(1, "start");
  EXPECT_TRUE(buffer.Push(EventWithCursor("a")));
  EXPECT_FALSE(buffer.Push(EventWithCursor("b")));
  EXPECT_TRUE(buffer.Overflowed());
  ASSERT_TRUE(buffer.Pop().has_value());
  // Room again, but a stream that overflowed has lost an event: it ends.
  EXPECT_FALSE(buffer.Push(EventWithCursor("c")));
}

TEST(WatchEventBufferTest, ResumeCursorIsTheLastWrittenNotTheLastQueued) {
  WatchEventBuffer buffer(4, "start");
  EXPECT_EQ(buffer.LastWrittenCursor(), "start");
  buffer.Push(EventWithCursor("a"));
  buffer.Push(EventWithCursor("b"));
  std::optional<WatchEvent> first = buffer.Pop();
  EXPECT_EQ(buffer.LastWrittenCursor(), "start");
  buffer.Written(first->cursor);
  EXPECT_EQ(buffer.LastWrittenCursor(), "a");
  buffer.Clear();
  EXPECT_TRUE(buffer.Empty());
  EXPECT_EQ(buffer.LastWrittenCursor(), "a");
}

TEST(WatchEventBufferTest, CapacityIsAtLeastOne) {
  WatchEventBuffer buffer(0, "");
  EXPECT_TRUE(buffer.Push(EventWithCursor("a")));
}

}  // namespace
}  // namespace miniter::watch
