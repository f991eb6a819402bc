// Prints the Lua text the Redis sink really uses (WriteScript.SOURCE of the built plugin), so the
// benchmark replays exactly that script. Run as a single-file program with the plugin jars on the
// class path: java -cp 'connector/target/plugin/*' PrintWriteScript.java [class] [field]
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;

public class PrintWriteScript {
    public static void main(String[] args) throws Exception {
        String className = args.length > 0 ? args[0] : "dev.rastro.connect.redis.WriteScript";
        String fieldName = args.length > 1 ? args[1] : "SOURCE";
        // The class is package-private: reflection from the unnamed module may open it.
        Field f = Class.forName(className).getDeclaredField(fieldName);
        f.setAccessible(true);
        System.out.write(String.valueOf(f.get(null)).getBytes(StandardCharsets.UTF_8));
        System.out.flush();
    }
}
