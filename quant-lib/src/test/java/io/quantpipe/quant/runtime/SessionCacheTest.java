package io.quantpipe.quant.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.BadInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SessionCacheTest {
    private static final byte[] MODEL = TinyModels.matMulRelu().toByteArray();

    @AfterEach
    void closeSessions() {
        SessionCache.closeAll();
    }

    @Test
    void equalBytesShareOneSession() {
        ModelRunner a = SessionCache.get(MODEL);
        ModelRunner b = SessionCache.get(MODEL.clone(), RunnerOptions.defaults());
        assertSame(a, b);
        assertEquals(1, SessionCache.size());
    }

    @Test
    void differentOptionsOrModelsGetTheirOwnSession() {
        ModelRunner a = SessionCache.get(MODEL);
        ModelRunner b = SessionCache.get(MODEL, RunnerOptions.defaults().withOptimization(GraphOptimization.BASIC));
        ModelRunner c = SessionCache.get(TinyModels.matMulAdd().toByteArray());
        assertNotSame(a, b);
        assertNotSame(a, c);
        assertEquals(3, SessionCache.size());
    }

    @Test
    void concurrentFirstUseCreatesOneSession() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<ModelRunner>> got = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                got.add(pool.submit(() -> {
                    start.await();
                    return SessionCache.get(MODEL);
                }));
            }
            start.countDown();
            ModelRunner first = got.get(0).get();
            for (Future<ModelRunner> f : got) {
                assertSame(first, f.get());
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(1, SessionCache.size());
    }

    @Test
    void closeOnCachedRunnerLeavesItOpenUntilCloseAll() {
        ModelRunner a = SessionCache.get(MODEL);
        try (ModelRunner borrowed = SessionCache.get(MODEL)) {
            assertSame(a, borrowed);
        }
        assertFalse(a.isClosed());
        a.run("X", new float[3], new long[] {1, 3});

        SessionCache.closeAll();
        assertTrue(a.isClosed());
        assertEquals(0, SessionCache.size());
        assertThrows(IllegalStateException.class, () -> a.run("X", new float[3], new long[] {1, 3}));
        ModelRunner fresh = SessionCache.get(MODEL);
        assertNotSame(a, fresh);
        assertFalse(fresh.isClosed());
    }

    @Test
    void failedCreationIsNotCached() {
        byte[] junk = {1, 2, 3};
        assertThrows(BadInputException.class, () -> SessionCache.get(junk));
        assertEquals(0, SessionCache.size());
    }

    @Test
    void digestIsSha256Hex() {
        // SHA-256("abc") from FIPS 180-2, appendix B.1.
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                SessionCache.digest("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }
}
