package io.jvit.cuda;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * v7's shared-memory protocol (the PIPE branch of {@code alibi_attention_window} in alibi_attention.cu), replayed
 * step by step against a model of the CTA without a GPU: cp.async copies land only when a wait_group lets them,
 * other warps see them only after a barrier, and a buffer may be refilled only after a barrier that follows the
 * last read of what it held. Checks, for every key-tile count from 1 to 9, that each S(t) is computed from K(t),
 * each P·V of tile t reads V(t) and tile t's key positions, and that no copy overwrites a buffer some warp may
 * still be reading. The replay mirrors the kernel line by line; a deliberately broken variant must fail.
 */
class PipelineProtocolTest {

    /** A copy into a buffer: which array ("K", "V" or "meta"), which of its two buffers, which tile. */
    record Write(String what, int buf, int tile) {}

    /** One CTA's shared buffers, the copies in flight and the barrier epochs. */
    static final class Cta {
        final java.util.Map<String, int[]> holds = new java.util.HashMap<>(java.util.Map.of(
                "K", new int[]{-1, -1}, "V", new int[]{-1, -1}, "meta", new int[]{-1, -1}));   // the tile each buffer holds
        final java.util.Map<String, int[]> lastRead = new java.util.HashMap<>(java.util.Map.of(
                "K", new int[]{-1, -1}, "V", new int[]{-1, -1}, "meta", new int[]{-1, -1}));   // epoch of its last read
        final List<Write> uncommitted = new ArrayList<>(), notVisible = new ArrayList<>();
        final Deque<List<Write>> groups = new ArrayDeque<>();
        final List<String> log = new ArrayList<>();
        int epoch;                                                             // barriers so far

        /** cp.async into a buffer: it may land any time from now on, so no warp may still be reading the buffer. */
        void copy(String what, int buf, int tile) {
            if (lastRead.get(what)[buf] == epoch)
                throw new IllegalStateException(what + " buffer " + buf + " refilled in the epoch it was read (no barrier between)");
            uncommitted.add(new Write(what, buf, tile));
        }
        /** Plain shared stores (the keys' positions): visible to the other warps after the next barrier. */
        void store(String what, int buf, int tile) {
            if (lastRead.get(what)[buf] == epoch)
                throw new IllegalStateException(what + " buffer " + buf + " rewritten in the epoch it was read (no barrier between)");
            notVisible.add(new Write(what, buf, tile));
        }
        void commit() { groups.addLast(new ArrayList<>(uncommitted)); uncommitted.clear(); }
        /** cp.async.wait_group n: all but the newest n committed groups have landed (seen by the other warps after a barrier). */
        void waitGroup(int n) { while (groups.size() > n) notVisible.addAll(groups.removeFirst()); }
        void sync() {
            for (Write w : notVisible) holds.get(w.what())[w.buf()] = w.tile();
            notVisible.clear();
            epoch++;
        }
        /** A read of {@code what}'s buffer, which must hold {@code tile}, with no copy into it still in flight. */
        void read(String what, int buf, int tile, String by) {
            boolean inFlight = java.util.stream.Stream.concat(java.util.stream.Stream.concat(uncommitted.stream(), notVisible.stream()),
                    groups.stream().flatMap(List::stream)).anyMatch(w -> w.what().equals(what) && w.buf() == buf);
            if (inFlight) throw new IllegalStateException(by + " read " + what + " buffer " + buf + " while a copy into it may land");
            if (holds.get(what)[buf] != tile) throw new IllegalStateException(by + " read " + what + " buffer " + buf + " holding tile " + holds.get(what)[buf]);
            lastRead.get(what)[buf] = epoch;
        }
        void scores(int buf, int tile) { read("K", buf, tile, "S(" + tile + ")"); }
        void softmaxPv(int buf, int tile) {
            read("V", buf, tile, "P·V(" + tile + ")");
            read("meta", buf, tile, "P·V(" + tile + ")");
            log.add("tile " + tile);
        }
        void loadK(int buf, int tile) { copy("K", buf, tile); }
        void loadV(int buf, int tile) { copy("V", buf, tile); }
        void loadMeta(int buf, int tile) { store("meta", buf, tile); }
    }

    /** Deliberate breaks of the protocol, each of which the model must catch. */
    enum Break { NONE, NO_BARRIER_AFTER_FIRST_SCORES, WAIT_FOR_ONE_GROUP_LESS, K_INTO_THE_OTHER_BUFFER, NO_BARRIER_AT_STEP_END }

    /** The kernel's PIPE branch, line by line (comments quote it), with {@code broken} applied. */
    static Cta replay(int tiles, Break broken) {
        Cta c = new Cta();
        c.loadK(0, 0);                       // load_one(sK[0], k, 0);
        c.loadV(0, 0);                       // load_one(sV[0], v, 0);
        c.loadMeta(0, 0);                    // load_meta(0, 0);
        c.commit();                          // cp_async_commit();
        if (tiles > 1) c.loadK(1, 1);        // if (tiles > 1) load_one(sK[1], k, BK);
        c.commit();                          // cp_async_commit();
        c.waitGroup(0);                      // cp_async_wait0();
        c.sync();                            // __syncthreads();
        c.scores(0, 0);                      // w.scores(sK[0], sA, lane);
        if (broken != Break.NO_BARRIER_AFTER_FIRST_SCORES) c.sync();
        for (int t = 0; t < tiles; t++) {    // step(t, …): the two steps per trip only swap sA and sB
            int buf = t & 1;
            if (t + 2 < tiles) c.loadK(broken == Break.K_INTO_THE_OTHER_BUFFER ? buf ^ 1 : buf, t + 2);
            if (t + 1 < tiles) { c.loadV(buf ^ 1, t + 1); c.loadMeta(buf ^ 1, t + 1); }
            c.commit();                      // cp_async_commit();
            c.waitGroup(broken == Break.WAIT_FOR_ONE_GROUP_LESS ? 2 : 1);   // cp_async_wait1();
            c.sync();                        // __syncthreads();
            if (t + 1 < tiles) c.scores(buf ^ 1, t + 1);                    // w.scores(sK[buf ^ 1], next, lane);
            c.softmaxPv(buf, t);             // w.softmax_pv<MODE, TabT>(cur, sV[buf], sKyx[buf], sKoff[buf], …);
            if (broken != Break.NO_BARRIER_AT_STEP_END) c.sync();
        }
        return c;
    }

    @Test
    void everyTileReadsItsOwnKeysAndValuesAndNoBufferIsRefilledWhileRead() {
        for (int tiles = 1; tiles <= 9; tiles++) {
            Cta c = replay(tiles, Break.NONE);
            List<String> expected = new ArrayList<>();
            for (int t = 0; t < tiles; t++) expected.add("tile " + t);
            assertThat(c.log).as("%d tiles", tiles).isEqualTo(expected);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = Break.class, names = "NONE", mode = org.junit.jupiter.params.provider.EnumSource.Mode.EXCLUDE)
    void eachBreakOfTheProtocolIsCaught(Break broken) {
        assertThatThrownBy(() -> { for (int tiles = 1; tiles <= 9; tiles++) replay(tiles, broken); })
                .isInstanceOf(IllegalStateException.class);
    }
}
