// Prints the Lua text the Redis sink really uses (WriteScript.UPSERT of the built plugin), so the
// benchmark replays exactly that script. Run as a single-file program with the plugin jars on the
// class path: java -cp 'connector/target/plugin/*' PrintWriteScript.java [class] [field]
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;

public class PrintWriteScript {
    public static void main(String[] args) throws Exception {
        String className = args.length > 0 ? args[0] : "dev.rastro.connect.redis.WriteScript";
        String fieldName = args.length > 1 ? args[1] : "UPSERT";
        // The class is package-private: reflection from the unnamed module may open it.
        Field f = Class.forName(className).getDeclaredField(fieldName);
        f.setAccessible(true);
        Object value = f.get(null);
        // A Script record carries its text in source(); a plain String field is the text itself.
        if (!(value instanceof String)) {
            java.lang.reflect.Method source = value.getClass().getDeclaredMethod("source");
            source.setAccessible(true);
            value = source.invoke(value);
        }
        System.out.write(String.valueOf(value).getBytes(StandardCharsets.UTF_8));
        System.out.flush();
    }
}
