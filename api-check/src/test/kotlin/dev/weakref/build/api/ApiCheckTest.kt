package dev.weakref.build.api

import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

class ApiCheckTest {

  @TempDir
  lateinit var temp: Path

  /** The fixture package's compiled classes alone, copied out of the test classes. */
  private fun fixtureClasses(): Path {
    val root = Path.of(ApiCheckTest::class.java.protectionDomain.codeSource.location.toURI())
    val pkg = "dev/weakref/build/api/fixture"
    val target = temp.resolve("classes")
    Files.walk(root.resolve(pkg)).use { paths ->
      paths.filter { Files.isRegularFile(it) }.forEach {
        val copy = target.resolve(pkg).resolve(root.resolve(pkg).relativize(it).toString())
        Files.createDirectories(copy.parent)
        Files.copy(it, copy, StandardCopyOption.REPLACE_EXISTING)
      }
    }
    return target
  }

  private fun dump() = ApiDump(fixtureClasses(), javaClass.classLoader).render()

  @Test
  fun kotlinViewIsWhatAKotlinCallerSees() {
    val dump = dump().substringAfter("== Kotlin")
    for (line in listOf(
      "public final class dev.weakref.build.api.fixture.Box<T : kotlin.Any>",
      "  public constructor(value: T)",
      "  public final suspend fun <R> map(block: suspend (T) -> R): R",
      "  public final var label: kotlin.String? { internal set }",
      "  public final val value: T",
      "  public fun kotlin.String.shout(times: kotlin.Int = ...): kotlin.String",
    )) assertTrue(dump.lines().contains(line)) { "missing <$line> in\n$dump" }
    assertTrue("hidden" !in dump && "secret" !in dump) { "internal declarations leaked into\n$dump" }
  }

  @Test
  fun javaViewLeavesOutWhatKotlinKeepsInternal() {
    val dump = dump().substringBefore("== Kotlin")
    for (line in listOf(
      "  public static final java.lang.String shout(java.lang.String, int)",
      "  public final <R> java.lang.Object map(kotlin.jvm.functions.Function2<? super T, ? super kotlin.coroutines.Continuation<? super R>, ?>, kotlin.coroutines.Continuation<? super R>)",
      "  public final java.lang.String getLabel()",
    )) assertTrue(dump.lines().contains(line)) { "missing <$line> in\n$dump" }
    assertTrue("hidden" !in dump && "secret" !in dump && "setLabel" !in dump) {
      "internal declarations leaked into\n$dump"
    }
  }

  @Test
  fun aMissingDumpFailsAndAnUnchangedApiPasses() {
    val classes = fixtureClasses()
    val dump = temp.resolve("api/fixture.api")
    val missing = check("fixture", classes, dump, javaClass.classLoader, update = false)!!
    assertTrue(missing.startsWith("fixture: no API dump at ") && missing.contains(UPDATE_COMMAND)) { missing }
    assertTrue(!Files.exists(dump))
    assertNull(check("fixture", classes, dump, javaClass.classLoader, update = true))
    assertNull(check("fixture", classes, dump, javaClass.classLoader, update = false))
  }

  @Test
  fun aChangedApiFailsNamingTheDifferenceAndTheCommandThatAcceptsIt() {
    val classes = fixtureClasses()
    val dump = temp.resolve("fixture.api")
    check("fixture", classes, dump, javaClass.classLoader, update = true)
    // The dump as committed before someone renamed a parameter and dropped a function.
    val committed = Files.readString(dump)
      .replace("shout(times: kotlin.Int = ...)", "shout(count: kotlin.Int = ...)")
      .replace("== Kotlin: what a Kotlin caller sees ==\n", "== Kotlin: what a Kotlin caller sees ==\n\nfile dev.weakref.build.api.fixture.GoneKt (top-level declarations of package dev.weakref.build.api.fixture)\n  public fun gone(): kotlin.Unit\n")
    Files.writeString(dump, committed)

    val message = check("fixture", classes, dump, javaClass.classLoader, update = false)!!
    assertTrue(message.startsWith("fixture: the public API no longer matches ")) { message }
    assertTrue(message.contains(
      "  file dev.weakref.build.api.fixture.FixtureKt (top-level declarations of package dev.weakref.build.api.fixture)\n" +
        "-   public fun kotlin.String.shout(count: kotlin.Int = ...): kotlin.String\n" +
        "+   public fun kotlin.String.shout(times: kotlin.Int = ...): kotlin.String\n")) { message }
    assertTrue(message.contains("-   public fun gone(): kotlin.Unit\n")) { message }
    assertTrue(message.contains(UPDATE_COMMAND)) { message }
    assertEquals(committed, Files.readString(dump), "a failed check must leave the dump alone")

    val failure = assertThrows(ApiChangedException::class.java) {
      main(arrayOf("update=false", "fixture", classes.toString(), dump.toString()))
    }
    assertEquals(message, failure.message)

    main(arrayOf("update=true", "fixture", classes.toString(), dump.toString()))
    assertNull(check("fixture", classes, dump, javaClass.classLoader, update = false))
  }

  @Test
  fun diffShowsEachChangedMemberUnderItsType() {
    val old = "public class A\n  public void f()\n  public void g()\n\npublic class B\n  public void h()\n"
    val new = "public class A\n  public void f()\n  public int g()\n\npublic class B\n  public void h()\n\npublic class C\n"
    assertEquals(
      "  public class A\n-   public void g()\n+   public int g()\n+ public class C\n",
      diff(old, new))
    assertEquals("", diff(old, old))
  }
}
