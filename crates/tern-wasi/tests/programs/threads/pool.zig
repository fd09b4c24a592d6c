// wasi-threads test program (Zig std.Thread): a pool of four workers
// taking tasks from a shared atomic index, results combined under a spin
// lock, joined by the main thread. Prints the same natively.
const std = @import("std");
const builtin = @import("builtin");

pub const panic = std.debug.simple_panic;

var counter = std.atomic.Value(u32).init(0);
var next_task = std.atomic.Value(u32).init(0);
var lock = std.atomic.Value(u32).init(0);
var total: u64 = 0;
var done_by = [_]u32{ 0, 0, 0, 0, 0, 0, 0, 0 };

fn acquire() void {
    while (lock.cmpxchgWeak(0, 1, .acquire, .monotonic) != null) std.atomic.spinLoopHint();
}
fn release() void {
    lock.store(0, .release);
}

fn out(s: []const u8) void {
    if (builtin.os.tag == .wasi) {
        const iov = [_]std.os.wasi.ciovec_t{.{ .base = s.ptr, .len = s.len }};
        var n: usize = 0;
        _ = std.os.wasi.fd_write(1, &iov, 1, &n);
    } else {
        _ = std.os.linux.write(1, s.ptr, s.len);
    }
}

// Worker pool: tasks 0..999 taken from a shared index; each task sums a
// range; results combined under a spin lock.
fn worker(id: u32) void {
    while (true) {
        const t = next_task.fetchAdd(1, .seq_cst);
        if (t >= 1000) break;
        var s: u64 = 0;
        var i: u64 = t * 1000;
        while (i < (t + 1) * 1000) : (i += 1) s += i * i % 7919;
        _ = counter.fetchAdd(1, .seq_cst);
        acquire();
        total += s;
        done_by[id] += 1;
        release();
    }
}

var heap_buf: [1 << 20]u8 = undefined;

pub fn main() void {
    var fba = std.heap.FixedBufferAllocator.init(&heap_buf);
    const alloc = fba.threadSafeAllocator();
    var threads: [4]std.Thread = undefined;
    for (&threads, 0..) |*t, i| {
        t.* = std.Thread.spawn(.{ .allocator = alloc, .stack_size = 1 << 16 }, worker, .{@as(u32, @intCast(i))}) catch @panic("spawn");
    }
    for (threads) |t| t.join();
    var sum_done: u32 = 0;
    for (done_by) |d| sum_done += d;
    var buf: [128]u8 = undefined;
    const s = std.fmt.bufPrint(&buf, "tasks={d} done={d} total={d}\n", .{ counter.load(.seq_cst), sum_done, total }) catch @panic("fmt");
    out(s);
}
