/* Unit tests of the library's side of the audit after issues 10-14
 * (tests/golden_audit.sh has the command line's): closest names, a NUL escaped
 * into JSON, a chip without scale-up links, link rates stated twice, sweep axis
 * values of the wrong type. Each fails on the code before the audit. */
#include "testutil.h"
#include "npu_all.h"
#include "npu_json.h"
#include "npu_override.h"
#include "npu_sweep.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void expect_msg(const char *want) {
    if (!strstr(npu_errmsg(), want)) fprintf(stderr, "message: %s\n", npu_errmsg());
    assert_non_null(strstr(npu_errmsg(), want));
}

/* A swapped pair of letters is one edit; a word that only shares a letter or
 * two is no suggestion; ties go to the name that holds the query in order. */
static void test_closest(void **st) {
    (void)st;
    static const char *const sec[] = {"notes", "host", "memory"};
    assert_string_equal(npu_closest("hots", sec, 3), "host");
    static const char *const keys[] = {"stack_height", "stacks", "technology"};
    assert_string_equal(npu_closest("stakcs", keys, 3), "stacks");
    static const char *const dts[] = {"bf16", "q8_0", "q4_0", "q4_k", "q6_k", "q4_k_m"};
    assert_string_equal(npu_closest("q4km", dts, 6), "q4_k_m");
    static const char *const cmds[] = {"run", "plan", "serve", "cost", "op", "list", "show", "quant"};
    assert_null(npu_closest("nosuch", cmds, 8));
    assert_null(npu_closest("-v", cmds, 8));
    assert_string_equal(npu_closest("qaunt", cmds, 8), "quant");
    assert_string_equal(npu_closest("rnu", cmds, 8), "run");
}

/* An unknown --set path: the path meant, in its own domain and SRAM level. */
static void test_unknown_path(void **st) {
    (void)st;
    npu_ov o;
    static const char *const cases[][2] = {
        {"hw.memory.stakcs=8", "did you mean 'hw.memory.stacks'"},
        {"hw.tdp_w=8", "did you mean 'hw.power.tdp_w'"},
        {"hw.clock_ghz=1", "did you mean 'hw.matrix.clock_mhz'"},
        {"hw.sram[2].mbb=1", "did you mean 'hw.sram[2].mb'"},
        {"hw.memory=1", "did you mean 'hw.memory.technology'"},
        {"model.moe.topk=2", "did you mean 'model.moe.top_k'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(npu_ov_parse(cases[i][0], &o), -1);
        expect_msg(cases[i][1]);
    }
    assert_int_equal(npu_ov_parse("hw.name=x", &o), -1);
    assert_null(strstr(npu_errmsg(), "workload."));
}

/* cJSON decodes \u0000 into a NUL that ends the C string: refused, with where. */
static void test_json_nul(void **st) {
    (void)st;
    assert_null(npu_json_parse("{\n \"name\": \"llama3-8b\\u0000x\"}", "m.json"));
    expect_msg("m.json: a NUL character (\\u0000) in a string at line 2");
    cJSON *j = npu_json_parse("{\"name\": \"a\\\\u0000\"}", "m.json"); /* an escaped backslash, then text */
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "name")->valuestring, "a\\u0000");
    cJSON_Delete(j);
}

/* h100-sxm with links.topology none keeps its NIC (links.scaleout): a TP8
 * all-reduce runs over it, finite; before, the 8-chip domain stayed and the
 * collective cost Inf (printed as null). */
static void test_topology_none_over_nic(void **st) {
    (void)st;
    npu_hw hw;
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    npu_comm_cost nvlink = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, 1 << 20);
    npu_ov o;
    assert_int_equal(npu_ov_parse("hw.links.topology=none", &o), 0);
    npu_ov_target t = {.hw = &hw};
    assert_int_equal(npu_ov_apply(&o, 1, &t), 0);
    assert_int_equal(npu_comm_domain_chips(&hw), 1);
    assert_int_equal(npu_comm_check(&hw, 8), 0);
    npu_comm_cost nic = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, 1 << 20);
    assert_true(isfinite(nic.time_s) && nic.time_s > nvlink.time_s);
}

/* bandwidth_gbps and links_per_chip x link_gbps: one figure. An edit of either
 * lets the other follow (before, a torus read only the per-link rate and a
 * switch only the aggregate, so one edit did nothing); stated apart, an error. */
static void test_link_rates(void **st) {
    (void)st;
    npu_hw hw;
    assert_int_equal(npu_hw_load("tpu-v5e", &hw), 0);
    double before = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, 1 << 24).time_s;
    npu_ov o;
    npu_ov_target t = {.hw = &hw};
    assert_int_equal(npu_ov_parse("hw.links.bandwidth_gbps=100", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &t), 0);
    assert_true(npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, 1 << 24).time_s > 1.5 * before);

    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    npu_area a0, a1;
    npu_process p;
    assert_int_equal(npu_process_of_hw(hw.process_node, &p), 0);
    npu_area_estimate(&hw, &p, &a0);
    before = npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, 1 << 24).time_s;
    assert_int_equal(npu_ov_parse("hw.links.link_gbps=12.5", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &t), 0);
    assert_true(npu_comm_op(&hw, NPU_COLL_ALLREDUCE, 8, 1 << 24).time_s > 1.5 * before);
    /* the link PHY follows the bandwidth however it is stated: half the links' rate, half the PHY */
    npu_area_estimate(&hw, &p, &a1);
    assert_true(fabs(a1.link_phy_mm2 - a0.link_phy_mm2 / 2) < 1e-9 * a0.link_phy_mm2);

    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    hw.link_each_gbps = 20; /* 18 x 20 = 360, stated 450 */
    assert_int_equal(npu_hw_finish(&hw, "h.json"), -1);
    expect_msg("h.json: links: bandwidth_gbps (450) must equal links_per_chip x link_gbps (18 x 20 = 360)");
}

/* An informational field edited: the chip keeps its published die and price. */
static void test_informational_edit(void **st) {
    (void)st;
    npu_hw hw;
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    double die = hw.die_mm2, price = hw.price_usd;
    npu_ov o[2];
    assert_int_equal(npu_ov_parse("hw.vector.width_bits=2048", &o[0]), 0);
    assert_int_equal(npu_ov_parse("hw.links.scaleout.chips_per_node=4", &o[1]), 0);
    npu_ov_target t = {.hw = &hw};
    assert_int_equal(npu_ov_apply(o, 2, &t), 0);
    assert_true(die > 0 && hw.die_mm2 == die && hw.price_usd == price);
    assert_null(strstr(hw.description, "(edited)"));
}

/* Sweep axes: a value the path cannot take is an error of the spec. */
static void test_sweep_axis_types(void **st) {
    (void)st;
    static const char *const bad[][2] = {
        {"\"hw.memory.stacks\": [4, \"x\"]", "axes.hw.memory.stacks[1]: the string \"x\" is not a number"},
        {"\"hw.memory.stacks\": [true]", "axes.hw.memory.stacks[0]: 'true' is not a number"},
        {"\"model.gated_mlp\": [true, 2]", "axes.model.gated_mlp[1]: '2' is not true or false"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char spec[512];
        snprintf(spec, sizeof spec,
                 "{\"base\": {\"hw\": \"h100-sxm\", \"model\": \"llama3-8b\"}, \"axes\": {%s}, "
                 "\"workloads\": [{\"phase\": \"decode\", \"batch\": 8, \"ctx\": 1024}]}",
                 bad[i][0]);
        cJSON *j = npu_json_parse(spec, "s.json");
        assert_non_null(j);
        npu_sweep *s = NULL;
        assert_int_equal(npu_sweep_from_json(j, "s.json", &s), -1);
        expect_msg(bad[i][1]);
        assert_null(s);
        cJSON_Delete(j);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closest),          cmocka_unit_test(test_unknown_path),
        cmocka_unit_test(test_json_nul),         cmocka_unit_test(test_topology_none_over_nic),
        cmocka_unit_test(test_link_rates),       cmocka_unit_test(test_informational_edit),
        cmocka_unit_test(test_sweep_axis_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
