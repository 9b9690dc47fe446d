package io.jvit.core.pe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.Engine;
import org.junit.jupiter.api.Test;

class PeTest {

    @Test
    void namesParseToTheLibrarysDefaults() {
        assertThat(Pe.parse("ALiBi")).isEqualTo(Pe.ALIBI);
        assertThat(Pe.parse("abs")).isEqualTo(Pe.LEARNED);
        assertThat(Pe.parse(null)).isEqualTo(Pe.AS_TRAINED);
        assertThat(Pe.ALIBI.encoding(37)).isEqualTo(Alibi2d.paperDefault());
        assertThat(Pe.LEARNED.encoding(16)).isEqualTo(LearnedAbsolute.dinov2(16));
        assertThat(PositionalEncoding.parse("rope", 37)).isEqualTo(new Rope2d(100.0));
        for (Pe pe : Pe.values()) assertThat(Pe.parse(pe.label())).isEqualTo(pe);
    }

    @Test
    void refusalsSpeakOfTheLibrary() {
        assertThatThrownBy(() -> Pe.parse("xyz"))
                .hasMessage("unknown positional encoding 'xyz' (expected learned, sincos, rope, alibi or none)");
        assertThatThrownBy(() -> Pe.AS_TRAINED.encoding(37)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> PositionalEncoding.parse("as-trained", 37))
                .hasMessageContaining("not an encoding of its own");
        assertThat(Engine.parse(" SameDiff ")).isEqualTo(Engine.SAMEDIFF);
        assertThatThrownBy(() -> Engine.parse("gpu")).hasMessage("engine must be fast or samediff, got 'gpu'");
    }
}
