package io.jvit.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The GPU check's java.json (read by gpu_check.py) is valid JSON, also after a crash and with NaN errors. */
class GpuCheckJsonTest {
    @Test
    void resultsAndACrashMakeValidJson() throws Exception {
        Map<Integer, List<GpuCheck.Run>> runs = new LinkedHashMap<>();
        runs.put(
                261,
                List.of(
                        new GpuCheck.Run(
                                "BF16_PAIRED", true, 0.097, 2.2e-3, new CudaAttention.Footprint(128, 0, 47104, 4)),
                        new GpuCheck.Run(
                                "BF16_PAIRED", false, 0.064, 1e-3, new CudaAttention.Footprint(128, 0, 47104, 4))));
        runs.put(
                1374,
                List.of(new GpuCheck.Run(
                        "BF16_PAIRED", true, 1.2, Double.NaN, new CudaAttention.Footprint(136, 16, 38400, 3))));
        String json = GpuCheck.json(
                "NVIDIA H100 80GB HBM3",
                64,
                "N = 1374: jcuda.CudaException: \"CUDA_ERROR_ILLEGAL_ADDRESS\"\nat …",
                runs,
                Map.of(261, 1.5e-3));
        JsonNode root = new ObjectMapper().readTree(json);
        assertThat(root.get("device").asText()).isEqualTo("NVIDIA H100 80GB HBM3");
        assertThat(root.get("crash").asText()).contains("CUDA_ERROR_ILLEGAL_ADDRESS");
        assertThat(root.get("results")).hasSize(2);
        JsonNode first = root.get("results").get(0);
        assertThat(first.get("n").asInt()).isEqualTo(261);
        assertThat(first.get("max_rel_err").asDouble()).isEqualTo(1.5e-3);
        assertThat(first.get("kernels").get(1).get("alibi").asBoolean()).isFalse();
        assertThat(first.get("kernels").get(0).get("ms").asDouble()).isEqualTo(0.097);
        assertThat(first.get("kernels").get(0).get("registers").asInt()).isEqualTo(128);
        assertThat(first.get("kernels").get(0).get("ctas_per_sm").asInt()).isEqualTo(4);
        JsonNode second = root.get("results").get(1);
        assertThat(second.get("max_rel_err").isNull()).isTrue(); // no fp32 check at this N
        assertThat(second.get("kernels").get(0).get("max_rel_err").isNull()).isTrue(); // NaN → null
        assertThat(second.get("kernels").get(0).get("local_bytes").asInt()).isEqualTo(16);
        assertThat(new ObjectMapper()
                        .readTree(GpuCheck.json("x", 1, null, Map.of(), Map.of()))
                        .get("crash")
                        .isNull())
                .isTrue();
    }

    @Test
    void aRerunCanNameItsKernels() {
        assertThat(GpuCheck.selected(null)).containsExactly(CudaAttention.Kernel.values());
        assertThat(GpuCheck.selected(" BF16_PAIRED ")).containsExactly(CudaAttention.Kernel.BF16_PAIRED);
        assertThat(GpuCheck.selected("F32,BF16_PAIRED"))
                .containsExactly(CudaAttention.Kernel.F32, CudaAttention.Kernel.BF16_PAIRED);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GpuCheck.selected("BF16_PAIRED,V9"))
                .hasMessageContaining("unknown kernel 'V9'")
                .hasMessageContaining("[F32, BF16_PAIRED]");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> GpuCheck.selected("BF16_WINDOW_PIPELINED")) // moved to dev/: says where
                .hasMessageContaining("unknown kernel 'BF16_WINDOW_PIPELINED'")
                .hasMessageContaining("vit-cuda/dev/");
    }
}
