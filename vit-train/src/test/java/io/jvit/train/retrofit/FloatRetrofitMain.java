package io.jvit.train.retrofit;

import io.jvit.core.Engine;
import io.jvit.core.pe.Pe;
import java.nio.file.Path;

/**
 * The fast retrofit job as its own process, for {@link FloatRetrofitTest}: {@code TEACHER IMAGES OUT} → two epochs,
 * then a third resumed from the state file; prints every epoch's losses ({@code epoch E train T val V}, full precision).
 */
public final class FloatRetrofitMain {
    private FloatRetrofitMain() {}

    public static void main(String[] args) throws Exception {
        Path teacher = Path.of(args[0]), images = Path.of(args[1]), out = Path.of(args[2]);
        ImageSet data = new ImageSet(images, 12, 0.25, 7);
        Retrofit.run(
                FloatModels.load(teacher, Pe.AS_TRAINED, false),
                null,
                data,
                RetrofitEnginesTest.options(Engine.FAST, false, 2),
                out,
                null,
                null);
        var rows = Retrofit.run(
                FloatModels.load(teacher, Pe.AS_TRAINED, false),
                null,
                data,
                RetrofitEnginesTest.options(Engine.FAST, false, 3),
                out,
                out.resolve(Retrofit.STATE),
                null);
        for (Retrofit.Epoch e : rows)
            System.out.println("epoch " + e.epoch() + " train " + e.trainLoss() + " val " + e.valLoss());
    }
}
