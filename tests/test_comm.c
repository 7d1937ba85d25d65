/* Unit tests: collectives cost model (npu_comm) and the links schema.
 * Expected values are computed by hand in the comments from the formulas of
 * docs/collectives.md and the learned constants (base 4.6 us, link efficiency
 * 0.8222, in-switch efficiency 0.686, NIC efficiency 0.94). */
#include "testutil.h"
#include "npu_all.h"
#include "npu_json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A made-up chip: 1 HBM3E stack at 8 Gb/s/pin = 1024 GB/s, links given by `links`. */
static int make_hw(const char *links, npu_hw *hw) {
    char text[4096];
    snprintf(text, sizeof text,
             "{\"name\": \"madeup\", \"matrix\": {\"units\": 1, \"clock_mhz\": 1000, "
             "\"macs_per_cycle\": {\"bf16\": 1024}, \"source\": \"test\"}, "
             "\"memory\": {\"technology\": \"hbm3e-skhynix\", \"stacks\": 1, \"pin_gbps\": 8, \"source\": \"test\"}, "
             "\"links\": %s}",
             links);
    cJSON *j = npu_json_parse(text, "madeup");
    if (!j) return -1;
    int rc = npu_hw_from_json(j, "madeup", hw);
    cJSON_Delete(j);
    return rc;
}

static void near(double got, double want, double rel) {
    if (fabs(got - want) > rel * fabs(want)) {
        printf("got %.9g want %.9g\n", got, want);
        fail();
    }
}

/* Ring topology of 4 chips, 100 GB/s per direction per chip over 2 links, 1 us
 * per hop, all-reduce of 1e9 bytes among all 4 (the ring wraps):
 *   alpha = 4.6 + 2 x (4-1) x 1 = 10.6 us
 *   beta  = 2 x 3/4 x 1e9 / (2 links x 50e9 x 0.8222) = 1.5e9 / 82.22e9 = 0.0182437363 s
 *   time  = 0.0182543363 s; busbw = 1e9/time x 1.5 = 82.17 GB/s */
static void test_ring_allreduce_hand(void **st) {
    (void)st;
    npu_hw hw;
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 100, \"latency_us\": 1, \"topology\": \"ring\", "
                             "\"dims\": [4], \"source\": \"t\"}",
                             &hw),
                     0);
    npu_comm_cost c = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 4, 1e9);
    assert_string_equal(c.algo, "ring");
    near(c.latency_s, 10.6e-6, 1e-9);
    near(c.transfer_s, 0.0182437363, 1e-8);
    near(c.time_s, 0.0182543363, 1e-8);
    near(c.busbw_Bps, 1e9 / 0.0182543363 * 1.5, 1e-8);
    /* all-gather on the same ring: alpha 4.6 + 3 = 7.6 us, beta 0.75e9 / 82.22e9 = 9.12186816 ms */
    c = npu_comm_op(&hw, NPU_COLL_ALLGATHER, 4, 1e9);
    near(c.time_s, 7.6e-6 + 0.00912186816, 1e-8);
}

/* PCIe tree of 8 chips, 32 GB/s per chip, 64 GB/s bridge, 1 us hops, 1e9 bytes.
 * All-reduce ring: the ring crosses the bridge once per direction, so it runs at
 * min(32, 64) GB/s: alpha 4.6 + 14 = 18.6 us, beta 1.75e9 / (32e9 x 0.8222) =
 * 66.5136220 ms (the tree's 2e9 bytes are slower) -> 66.5322220 ms.
 * All-to-all direct: all 8 share the bridge, min(32, 64/8) = 8 GB/s:
 * alpha 4.6 + 2 = 6.6 us, beta 0.875e9 / (8e9 x 0.8222) = 133.0272440 ms. */
static void test_pcie_hand(void **st) {
    (void)st;
    npu_hw hw;
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 32, \"latency_us\": 1, \"topology\": \"pcie\", "
                             "\"shared_gbps\": 64, \"source\": \"t\"}",
                             &hw),
                     0);
    npu_comm_cost c = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, 1e9);
    assert_string_equal(c.algo, "ring");
    near(c.time_s, 18.6e-6 + 0.0665136220, 1e-8);
    c = npu_comm_op(&hw, NPU_COLL_ALLTOALL, 8, 1e9);
    near(c.time_s, 6.6e-6 + 0.1330272440, 1e-8);
}

/* Switch of 8 chips at 100 GB/s, 1 us hops, no in-switch reduction, 1 KiB:
 *   one-shot: 4.6 + 2 x 1 = 6.6 us + 7 x 1024 / 82.22e9 = 0.0871807 us
 *             + staging copy 2 x 1024 / (1024e9 x 0.9051 mem_eff) = 0.0022097 us -> 6.6893904 us
 *   (two-shot 7.62 us, tree 10.6 us, ring 18.6 us are slower)
 * 1e9 bytes: ring 4.6 + 14 = 18.6 us + 1.75e9 / 82.22e9 = 21.2843590 ms -> 21.3029590 ms
 *   (two-shot pays a 2.16 ms staging copy, tree moves 2e9 bytes) */
static void test_switch_choice_hand(void **st) {
    (void)st;
    npu_hw hw;
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 100, \"latency_us\": 1, \"topology\": \"switch\", "
                             "\"source\": \"t\"}",
                             &hw),
                     0);
    npu_comm_cost small = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, 1024);
    assert_string_equal(small.algo, "one-shot");
    near(small.time_s, 6.6893904e-6, 1e-6);
    npu_comm_cost big = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, 1e9);
    assert_string_equal(big.algo, "ring");
    near(big.time_s, 0.0213029590, 1e-8);
    /* the latency-optimal algorithm has the smaller alpha, the bandwidth-optimal the smaller beta per byte */
    assert_true(small.latency_s < big.latency_s);
    assert_true(small.transfer_s / 1024 > big.transfer_s / 1e9);
    /* somewhere in between two-shot takes over */
    assert_string_equal(npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, 1 << 20).algo, "two-shot");
}

/* In-switch reduction: 8 chips, 450 GB/s, large size -> nvls with
 * algbw = 450 x 0.686 x 8/9 = 274.4 GB/s, busbw x 1.75 = 480.2 GB/s. */
static void test_nvls_hand(void **st) {
    (void)st;
    npu_hw hw;
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 450, \"topology\": \"switch\", \"in_switch_reduction\": true, "
                             "\"source\": \"t\"}",
                             &hw),
                     0);
    npu_comm_cost c = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, 1e12);
    assert_string_equal(c.algo, "nvls");
    near(c.busbw_Bps, 480.2e9, 1e-3);
    /* 2 chips: nvls algbw 450 x 0.686 x 2/3 = 205.8 < ring 370 -> ring */
    assert_string_equal(npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 2, 1e12).algo, "ring");
}

/* 4x4 torus (wraps), 4 links of 25 GB/s, 1 us hops, 16 chips, 1.6e9 bytes:
 *   alpha = 4.6 + 2 x ((4-1) + (4-1)) x 1 = 16.6 us
 *   beta  = 2 x 15/16 x 1.6e9 / (2 dims x 2 x 25e9 x 0.8222) = 3e9 / 82.22e9 = 36.4874726 ms
 * 8 chips of it: slice 4 x 2 (a full 4 wraps, the 2 does not): rings use 2 x 25 + 1 x 25 = 75 GB/s,
 *   alpha = 4.6 + 2 x (3 + 1) = 12.6 us, beta = 2 x 7/8 x 1.6e9 / (75e9 x 0.8222) = 2.8e9 / 61.665e9 = 45.4066326 ms */
static void test_torus_hand(void **st) {
    (void)st;
    npu_hw hw;
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 100, \"latency_us\": 1, \"topology\": \"torus2d\", "
                             "\"dims\": [4, 4], \"source\": \"t\"}",
                             &hw),
                     0);
    npu_comm_cost c = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 16, 1.6e9);
    near(c.latency_s, 16.6e-6, 1e-9);
    near(c.transfer_s, 0.0364874726, 1e-8);
    c = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, 1.6e9);
    near(c.latency_s, 12.6e-6, 1e-9);
    near(c.transfer_s, 0.0454066326, 1e-8);
    assert_int_equal(npu_comm_domain_chips(&hw), 16);
}

static void test_bus_factor(void **st) {
    (void)st;
    assert_true(npu_comm_bus_factor(NPU_COLL_ALLREDUCE, 8) == 1.75);   /* 2 x 7/8 */
    assert_true(npu_comm_bus_factor(NPU_COLL_ALLREDUCE, 2) == 1.0);    /* 2 x 1/2 */
    assert_true(npu_comm_bus_factor(NPU_COLL_ALLGATHER, 4) == 0.75);   /* 3/4 */
    assert_true(npu_comm_bus_factor(NPU_COLL_REDUCESCATTER, 8) == 0.875);
    assert_true(npu_comm_bus_factor(NPU_COLL_ALLTOALL, 16) == 0.9375); /* 15/16 */
    assert_true(npu_comm_bus_factor(NPU_COLL_SENDRECV, 2) == 1.0);
    assert_true(npu_comm_bus_factor(NPU_COLL_ALLREDUCE, 1) == 0.0);
}

static void scale_links(npu_hw *hw, double f) {
    hw->link_gbps *= f, hw->link_each_gbps *= f, hw->nic_gbps *= f, hw->link_shared_gbps *= f;
    assert_int_equal(npu_hw_finish(hw, "scaled"), 0); /* the fabric is derived: finish again */
}

/* Over every preset with links: more bytes never faster; more bandwidth never
 * slower; one chip or no bytes costs nothing. */
static void test_monotonic(void **st) {
    (void)st;
    static const int chips[] = {2, 3, 4, 8, 16, 64, 256};
    for (int i = 0; i < npu_hw_preset_count(); i++) {
        npu_hw hw, fast;
        assert_int_equal(npu_hw_load(npu_hw_preset_name(i), &hw), 0);
        fast = hw;
        scale_links(&fast, 2);
        for (int op = 0; op < NPU_COLL_COUNT; op++) {
            assert_true(npu_comm_op(&hw, (npu_coll)op, 1, 1e6).time_s == 0);
            assert_true(npu_comm_op(&hw, (npu_coll)op, 8, 0).time_s == 0);
            for (size_t k = 0; k < sizeof chips / sizeof *chips; k++) {
                if (npu_comm_check(&hw, chips[k])) continue;
                double prev = 0;
                for (double b = 1; b < 2e10; b *= 2) {
                    npu_comm_cost c = npu_comm_op(&hw, (npu_coll)op, chips[k], b);
                    npu_comm_cost f = npu_comm_op(&fast, (npu_coll)op, chips[k], b);
                    if (!(c.time_s >= prev && c.time_s > 0 && isfinite(c.time_s) && f.time_s <= c.time_s)) {
                        printf("%s %s chips %d bytes %g: %g after %g (2x links %g)\n", hw.name,
                               npu_coll_names[op], chips[k], b, c.time_s, prev, f.time_s);
                        fail();
                    }
                    near(c.time_s, c.latency_s + c.transfer_s, 1e-12);
                    prev = c.time_s;
                }
            }
        }
    }
}

/* Beyond one domain: hierarchical/NIC-bound, slower per byte than inside it. */
static void test_multinode(void **st) {
    (void)st;
    npu_hw hw;
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    assert_int_equal(npu_comm_domain_chips(&hw), 8);
    for (double b = 1024; b < 1e10; b *= 8) {
        npu_comm_cost in = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, b);
        npu_comm_cost out = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 16, b);
        assert_true(out.busbw_Bps < in.busbw_Bps);
        assert_true(out.time_s > in.time_s);
    }
    /* Made-up: domain 4 on a switch (100 GB/s, 1 us), NICs 10 GB/s, 10 us; 8 chips, 1e9 bytes.
     *   flat ring: rate min(82.22, 4 x 9.4 = 37.6) GB/s: 4.6 + 14 x 10 = 144.6 us + 1.75e9/37.6e9 = 46.5425532 ms
     *   hierarchical: RS(4) ring 3 us + 0.75e9/82.22e9 = 9.1218682 ms, AG(4) the same,
     *     inter all-reduce of 1e9/4 over 2 nodes: ring 2 x 10 us + 2 x 1/2 x 2.5e8 / 9.4e9 = 26.5957447 ms
     *     -> 4.6 + 3 + 3 + 20 = 30.6 us + 44.8394811 ms = 44.8700811 ms (chosen) */
    npu_hw m;
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 100, \"latency_us\": 1, \"topology\": \"switch\", "
                             "\"domain_chips\": 4, \"scaleout\": {\"bandwidth_gbps\": 10, \"latency_us\": 10, "
                             "\"source\": \"t\"}, \"source\": \"t\"}",
                             &m),
                     0);
    npu_comm_cost c = npu_comm_op(&m, NPU_COLL_ALLREDUCE, 8, 1e9);
    assert_string_equal(c.algo, "hierarchical");
    near(c.time_s, 0.0448700811, 1e-7);
    assert_true(c.busbw_Bps < npu_comm_op(&m, NPU_COLL_ALLREDUCE, 4, 1e9).busbw_Bps);
}

/* Links schema: round trip, strictness, overlap. */
static void test_links_schema(void **st) {
    (void)st;
    for (int i = 0; i < npu_hw_preset_count(); i++) {
        npu_hw a, b;
        assert_int_equal(npu_hw_load(npu_hw_preset_name(i), &a), 0);
        cJSON *j = npu_hw_to_json(&a);
        assert_int_equal(npu_hw_from_json(j, "rt", &b), 0);
        cJSON_Delete(j);
        for (int op = 0; op < NPU_COLL_COUNT; op++) {
            npu_comm_cost x = npu_comm_op(&a, (npu_coll)op, 16, 3e7), y = npu_comm_op(&b, (npu_coll)op, 16, 3e7);
            assert_true(x.time_s == y.time_s || (isinf(x.time_s) && isinf(y.time_s)));
        }
        assert_int_equal(a.link_domain, b.link_domain);
        assert_int_equal(a.link_in_switch, b.link_in_switch);
        assert_true(a.nic_gbps == b.nic_gbps);
    }
    npu_hw hw;
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 1, \"topology\": \"swich\", \"source\": \"t\"}", &hw), -1);
    assert_non_null(strstr(npu_errmsg(), "did you mean 'switch'"));
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 1, \"domian_chips\": 4, \"source\": \"t\"}", &hw), -1);
    assert_non_null(strstr(npu_errmsg(), "domian_chips"));
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 1, \"topology\": \"torus2d\", \"dims\": [4], \"source\": \"t\"}", &hw), -1);
    assert_non_null(strstr(npu_errmsg(), "dims"));
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 1, \"topology\": \"torus2d\", \"dims\": [4, 4], "
                             "\"domain_chips\": 8, \"source\": \"t\"}",
                             &hw),
                     -1);
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 1, \"scaleout\": {\"bandwidth_gbps\": 1}, \"source\": \"t\"}", &hw), -1);
    assert_non_null(strstr(npu_errmsg(), "source"));
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 1, \"overlap\": 1.5, \"source\": \"t\"}", &hw), -1);
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 1, \"overlap\": 0.25, \"source\": \"t\"}", &hw), 0);
    assert_true(npu_comm_overlap(&hw) == 0.25);
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    assert_true(npu_comm_overlap(&hw) == 0); /* TensorRT-LLM default: no overlap */
    /* no links at all: never fails, infinite, and check says why */
    assert_int_equal(npu_hw_load("snapdragon-8g3-npu", &hw), 0);
    assert_true(isinf(npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 2, 1e6).time_s));
    assert_int_equal(npu_comm_check(&hw, 2), -1);
    npu_coll op;
    assert_int_equal(npu_coll_parse("alltoall", &op), 0);
    assert_int_equal(op, NPU_COLL_ALLTOALL);
    assert_int_equal(npu_coll_parse("allreduse", &op), -1);
    assert_non_null(strstr(npu_errmsg(), "allreduce"));
}

/* Bytes each chip sends over its links (what npu_power charges pJ/bit for), by
 * the algorithm chosen, hand-computed:
 *   ring all-reduce, 4 chips, 1e9 B: 2 x 3/4 x 1e9 = 1.5e9
 *   ring all-gather, 4 chips: 3/4 x 1e9 = 0.75e9
 *   one-shot all-reduce, 8 chips, 1 KiB: 7 x 1024 = 7168
 *   nvls, 8 chips, 1e12 B: 9/8 x 1e12
 *   hierarchical all-reduce, domain 4 x 2 nodes, 1e9 B: RS 3/4 x 1e9 + AG 3/4 x 1e9
 *     + inter ring 2 x 1/2 x 2.5e8 = 1.75e9 */
static void test_sent_bytes_hand(void **st) {
    (void)st;
    npu_hw hw;
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 100, \"latency_us\": 1, \"topology\": \"ring\", "
                             "\"dims\": [4], \"source\": \"t\"}",
                             &hw),
                     0);
    near(npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 4, 1e9).sent_B, 1.5e9, 1e-12);
    near(npu_comm_op(&hw, NPU_COLL_ALLGATHER, 4, 1e9).sent_B, 0.75e9, 1e-12);
    assert_true(npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 1, 1e9).sent_B == 0); /* one chip sends nothing */
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 100, \"latency_us\": 1, \"topology\": \"switch\", \"source\": \"t\"}",
                             &hw),
                     0);
    npu_comm_cost c = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, 1024);
    assert_string_equal(c.algo, "one-shot");
    near(c.sent_B, 7168, 1e-12);
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 450, \"topology\": \"switch\", \"in_switch_reduction\": true, "
                             "\"source\": \"t\"}",
                             &hw),
                     0);
    c = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, 1e12);
    assert_string_equal(c.algo, "nvls");
    near(c.sent_B, 9.0 / 8 * 1e12, 1e-12);
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 100, \"latency_us\": 1, \"topology\": \"switch\", "
                             "\"domain_chips\": 4, \"scaleout\": {\"bandwidth_gbps\": 10, \"latency_us\": 10, "
                             "\"source\": \"t\"}, \"source\": \"t\"}",
                             &hw),
                     0);
    c = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, 1e9);
    assert_string_equal(c.algo, "hierarchical");
    near(c.sent_B, 1.75e9, 1e-12);
}

/* links.overlap is parsed once into the fabric and validated in [0, 1]; the
 * topology is an enum there, from the one table of names. */
static void test_fabric_overlap(void **st) {
    (void)st;
    npu_hw hw;
    assert_int_equal(make_hw("{\"bandwidth_gbps\": 1, \"overlap\": 0.4, \"topology\": \"mesh\", \"source\": \"t\"}", &hw), 0);
    assert_true(hw.fabric.overlap == 0.4 && npu_comm_overlap(&hw) == 0.4);
    assert_int_equal(hw.fabric.topo, NPU_TOPO_MESH);
    hw.comm_overlap = 1.2; /* an edited description is validated when finished again */
    assert_int_equal(npu_hw_finish(&hw, "edit"), -1);
    assert_non_null(strstr(npu_errmsg(), "overlap"));
    hw.comm_overlap = 1.0;
    assert_int_equal(npu_hw_finish(&hw, "edit"), 0);
    assert_true(npu_comm_overlap(&hw) == 1.0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_allreduce_hand), cmocka_unit_test(test_pcie_hand), cmocka_unit_test(test_switch_choice_hand),
        cmocka_unit_test(test_nvls_hand),           cmocka_unit_test(test_torus_hand),
        cmocka_unit_test(test_bus_factor),          cmocka_unit_test(test_monotonic),
        cmocka_unit_test(test_multinode),           cmocka_unit_test(test_links_schema),
        cmocka_unit_test(test_sent_bytes_hand),     cmocka_unit_test(test_fabric_overlap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
