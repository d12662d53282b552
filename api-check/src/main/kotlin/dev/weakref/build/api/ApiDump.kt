// Longer than 450 lines: the Java view (reflection) and the Kotlin view (kotlin-metadata) of one
// module's API, written in one format so that one diff checks both; they share the declaration
// heads and the type printing, which is most of the file.
package dev.weakref.build.api

import java.lang.invoke.MethodType
import java.lang.module.ModuleDescriptor
import java.lang.reflect.AnnotatedArrayType
import java.lang.reflect.AnnotatedElement
import java.lang.reflect.AnnotatedParameterizedType
import java.lang.reflect.AnnotatedType
import java.lang.reflect.AnnotatedTypeVariable
import java.lang.reflect.AnnotatedWildcardType
import java.lang.reflect.Constructor
import java.lang.reflect.Executable
import java.lang.reflect.Method
import java.lang.reflect.Modifier
import java.lang.reflect.ParameterizedType
import java.lang.reflect.TypeVariable
import java.nio.file.Files
import java.nio.file.Path
import kotlin.metadata.ClassKind
import kotlin.metadata.KmClass
import kotlin.metadata.KmClassifier
import kotlin.metadata.KmConstructor
import kotlin.metadata.KmDeclarationContainer
import kotlin.metadata.KmFunction
import kotlin.metadata.KmProperty
import kotlin.metadata.KmType
import kotlin.metadata.KmTypeAlias
import kotlin.metadata.KmTypeParameter
import kotlin.metadata.KmValueParameter
import kotlin.metadata.KmVariance
import kotlin.metadata.Modality
import kotlin.metadata.Visibility
import kotlin.metadata.declaresDefaultValue
import kotlin.metadata.isConst
import kotlin.metadata.isCrossinline
import kotlin.metadata.isData
import kotlin.metadata.isDefinitelyNonNull
import kotlin.metadata.isFunInterface
import kotlin.metadata.isInfix
import kotlin.metadata.isInline
import kotlin.metadata.isInner
import kotlin.metadata.isLateinit
import kotlin.metadata.isNoinline
import kotlin.metadata.isNullable
import kotlin.metadata.isOperator
import kotlin.metadata.isReified
import kotlin.metadata.isSuspend
import kotlin.metadata.isValue
import kotlin.metadata.isVar
import kotlin.metadata.jvm.KotlinClassMetadata
import kotlin.metadata.jvm.annotations
import kotlin.metadata.jvm.getterSignature
import kotlin.metadata.jvm.setterSignature
import kotlin.metadata.jvm.signature
import kotlin.metadata.kind
import kotlin.metadata.modality
import kotlin.metadata.visibility

/**
 * The public API of one module's compiled classes as text: one line per type or member, sorted, so
 * that the text changes exactly when the API does.
 *
 * Two views, both read from the class files with plain reflection (no class is initialised):
 * - **Java**: every public or protected type and member a Java caller can name, with generic
 *   signatures and type-use annotations (JSpecify nullness is part of the contract). Declarations
 *   that Kotlin compiles to public bytecode but keeps `internal` or `private` are left out, as
 *   Kotlin's binary-compatibility validator does.
 * - **Kotlin**: what a Kotlin caller sees, read from each class's `kotlin.Metadata`: extension
 *   receivers, nullability, default arguments, parameter names, `inline`, `suspend`, `reified`,
 *   properties, objects and companions.
 *
 * When the classes hold a `module-info.class`, only the packages it exports to everyone count.
 */
internal class ApiDump(private val classesRoot: Path, private val loader: ClassLoader) {

  private val module: ModuleDescriptor? = classesRoot.resolve("module-info.class")
    .takeIf { Files.exists(it) }
    ?.let { path -> Files.newInputStream(path).use { ModuleDescriptor.read(it) } }

  private val exported: Set<String>? =
    module?.exports()?.filter { !it.isQualified }?.map { it.source() }?.toSet()

  /** The whole dump, sections in a fixed order, each sorted. */
  fun render(): String {
    val classes = classNames().map { Class.forName(it, false, loader) }.filter { isApi(it) }
    val out = StringBuilder()
    module?.let { renderModule(it, out) }
    out.append("== Java: what javac sees ==\n")
    classes.map { it.packageName }.distinct().sorted().forEach { name ->
      val annotations = packageAnnotations(name)
      if (annotations.isNotEmpty()) out.append("package $name: ${annotations.trim()}\n")
    }
    classes.sortedBy { it.name }.mapNotNull { javaBlock(it) }.forEach { out.append('\n').append(it) }
    out.append("\n== Kotlin: what a Kotlin caller sees ==\n")
    classes.sortedBy { it.name }.mapNotNull { kotlinBlock(it) }.forEach { out.append('\n').append(it) }
    return out.toString()
  }

  private fun classNames(): List<String> = Files.walk(classesRoot).use { paths ->
    paths.filter { Files.isRegularFile(it) && it.toString().endsWith(".class") }
      .map { classesRoot.relativize(it).toString().removeSuffix(".class").replace('\\', '/') }
      .filter { !it.endsWith("module-info") && !it.endsWith("package-info") }
      .map { it.replace('/', '.') }
      .sorted()
      .toList()
  }

  private fun renderModule(descriptor: ModuleDescriptor, out: StringBuilder) {
    out.append("== Module ==\n")
    out.append("module ${descriptor.name()}${if (descriptor.isOpen) " (open)" else ""}\n")
    descriptor.exports().filter { !it.isQualified }.map { "  exports ${it.source()}" }.sorted()
      .forEach { out.append(it).append('\n') }
    descriptor.requires()
      .filter { ModuleDescriptor.Requires.Modifier.TRANSITIVE in it.modifiers() }
      .map { "  requires transitive ${it.name()}" }.sorted()
      .forEach { out.append(it).append('\n') }
    out.append('\n')
  }

  private fun packageAnnotations(name: String): String {
    val info = runCatching { Class.forName("$name.package-info", false, loader) }.getOrNull()
      ?: return ""
    return annotations(info)
  }

  // ---- which classes count ----

  private fun isApi(cls: Class<*>): Boolean {
    if (cls.isSynthetic || cls.isAnonymousClass || cls.isLocalClass) return false
    if (exported != null && cls.packageName !in exported) return false
    val mods = cls.modifiers
    val enclosing = cls.declaringClass
    val visible = if (enclosing == null) Modifier.isPublic(mods)
    else Modifier.isPublic(mods) ||
      (Modifier.isProtected(mods) && !Modifier.isFinal(enclosing.modifiers))
    if (!visible || (enclosing != null && !isApi(enclosing))) return false
    return when (val kotlin = kotlinMetadata(cls)) {
      null -> true
      is KotlinClassMetadata.Class -> kotlin.kmClass.visibility.isApi()
      is KotlinClassMetadata.FileFacade -> true
      else -> false // lambdas, when-mappings, multi-file parts: never named by callers
    }
  }

  private fun kotlinMetadata(cls: Class<*>): KotlinClassMetadata? =
    cls.getAnnotation(Metadata::class.java)?.let { KotlinClassMetadata.readLenient(it) }

  private fun Visibility.isApi() = this == Visibility.PUBLIC || this == Visibility.PROTECTED

  // ---- the Java view ----

  private fun javaBlock(cls: Class<*>): String? {
    val hidden = kotlinHiddenSignatures(cls)
    val members = buildList {
      cls.declaredFields.filter { !it.isSynthetic && visible(it.modifiers, cls) }.forEach {
        add("${annotations(it)}${modifiers(it.modifiers)}${type(it.annotatedType)} ${it.name}")
      }
      cls.declaredConstructors.filter { !it.isSynthetic && visible(it.modifiers, cls) }
        .filter { jvmSignature(it) !in hidden }
        .forEach { add(executable(it, cls.simpleName, null)) }
      cls.declaredMethods.filter { !it.isSynthetic && !it.isBridge && visible(it.modifiers, cls) }
        .filter { jvmSignature(it) !in hidden }
        .forEach { add(executable(it, it.name, it)) }
    }.sorted()
    if (members.isEmpty() && kotlinMetadata(cls) is KotlinClassMetadata.FileFacade) return null
    return buildString {
      append(javaHeader(cls)).append('\n')
      members.forEach { append("  ").append(it).append('\n') }
    }
  }

  private fun javaHeader(cls: Class<*>): String {
    val kind = when {
      cls.isAnnotation -> "@interface"
      cls.isInterface -> "interface"
      cls.isEnum -> "enum"
      cls.isRecord -> "record"
      else -> "class"
    }
    var mods = cls.modifiers and (Modifier.PUBLIC or Modifier.PROTECTED or Modifier.STATIC or
      Modifier.FINAL or Modifier.ABSTRACT)
    if (cls.isInterface) mods = mods and Modifier.ABSTRACT.inv()
    val sealed = if (cls.isSealed) "sealed " else ""
    val header = StringBuilder(annotations(cls)).append(modifiers(mods)).append(sealed)
      .append(kind).append(' ').append(cls.name.replace('$', '.'))
      .append(typeParameters(cls.typeParameters))
    val superclass = cls.annotatedSuperclass
    if (superclass != null && !cls.isEnum && !cls.isRecord && superclass.type != Any::class.java) {
      header.append(" extends ").append(type(superclass))
    }
    val interfaces = cls.annotatedInterfaces.filter { !cls.isAnnotation }
    if (interfaces.isNotEmpty()) {
      header.append(if (cls.isInterface) " extends " else " implements ")
        .append(interfaces.joinToString(", ") { type(it) })
    }
    if (cls.isSealed) {
      header.append(" permits ").append(
        cls.permittedSubclasses.map { it.name.replace('$', '.') }.sorted().joinToString(", "))
    }
    return header.toString()
  }

  private fun visible(mods: Int, owner: Class<*>) =
    Modifier.isPublic(mods) || (Modifier.isProtected(mods) && !Modifier.isFinal(owner.modifiers))

  private fun executable(e: Executable, name: String, method: Method?): String {
    var mods = e.modifiers and (Modifier.PUBLIC or Modifier.PROTECTED or Modifier.STATIC or
      Modifier.FINAL or Modifier.ABSTRACT)
    val default = method != null && method.isDefault
    val params = e.annotatedParameterTypes.mapIndexed { i, t ->
      val rendered = type(t)
      if (e.isVarArgs && i == e.parameterCount - 1) rendered.removeSuffix("[]") + "..." else rendered
    }
    val throws = e.annotatedExceptionTypes.map { type(it) }
    return buildString {
      append(annotations(e))
      append(modifiers(mods))
      if (default) append("default ")
      val tps = typeParameters(e.typeParameters)
      if (tps.isNotEmpty()) append(tps).append(' ')
      if (method != null) append(type(method.annotatedReturnType)).append(' ')
      append(name).append('(').append(params.joinToString(", ")).append(')')
      if (throws.isNotEmpty()) append(" throws ").append(throws.joinToString(", "))
    }
  }

  private fun typeParameters(tps: Array<out TypeVariable<*>>): String {
    if (tps.isEmpty()) return ""
    return tps.joinToString(", ", "<", ">") { tv ->
      val bounds = tv.annotatedBounds.filter {
        it.type != Any::class.java || it.declaredAnnotations.isNotEmpty()
      }
      annotations(tv) + tv.name +
        if (bounds.isEmpty()) "" else " extends " + bounds.joinToString(" & ") { type(it) }
    }
  }

  private fun type(t: AnnotatedType): String {
    val ann = t.declaredAnnotations.joinToString("") { "@${it.annotationClass.java.name} " }
    return when (t) {
      is AnnotatedArrayType ->
        type(t.annotatedGenericComponentType) + (if (ann.isEmpty()) "" else " ${ann.trim()} ") + "[]"
      is AnnotatedParameterizedType -> {
        val raw = (t.type as ParameterizedType).rawType as Class<*>
        ann + className(raw) + t.annotatedActualTypeArguments.joinToString(", ", "<", ">") { type(it) }
      }
      is AnnotatedWildcardType -> {
        val upper = t.annotatedUpperBounds.filter { it.type != Any::class.java || it.declaredAnnotations.isNotEmpty() }
        ann + "?" + when {
          t.annotatedLowerBounds.isNotEmpty() ->
            " super " + t.annotatedLowerBounds.joinToString(" & ") { type(it) }
          upper.isNotEmpty() -> " extends " + upper.joinToString(" & ") { type(it) }
          else -> ""
        }
      }
      is AnnotatedTypeVariable -> ann + (t.type as TypeVariable<*>).name
      else -> ann + className(t.type as Class<*>)
    }
  }

  private fun className(c: Class<*>): String =
    if (c.isArray) className(c.componentType) + "[]" else c.name.replace('$', '.')

  private fun annotations(e: AnnotatedElement): String =
    e.declaredAnnotations
      .map { it.annotationClass.java.name }
      .filter { it != "kotlin.Metadata" && it != "kotlin.jvm.internal.SourceDebugExtension" }
      .sorted()
      .joinToString("") { "@$it " }

  private fun modifiers(mods: Int): String {
    val text = Modifier.toString(mods)
    return if (text.isEmpty()) "" else "$text "
  }

  /** The JVM signatures (name + descriptor) of what Kotlin compiles public but declares internal or private. */
  private fun kotlinHiddenSignatures(cls: Class<*>): Set<String> {
    val container: KmDeclarationContainer
    val constructors: List<KmConstructor>
    when (val kotlin = kotlinMetadata(cls)) {
      is KotlinClassMetadata.Class -> { container = kotlin.kmClass; constructors = kotlin.kmClass.constructors }
      is KotlinClassMetadata.FileFacade -> { container = kotlin.kmPackage; constructors = emptyList() }
      else -> return emptySet()
    }
    return buildSet {
      container.functions.filter { !it.visibility.isApi() }.forEach { f -> f.signature?.let { add(it.toString()) } }
      container.properties.forEach { p ->
        if (!p.visibility.isApi() || !p.getter.visibility.isApi()) p.getterSignature?.let { add(it.toString()) }
        val setter = p.setter
        if (!p.visibility.isApi() || (setter != null && !setter.visibility.isApi())) {
          p.setterSignature?.let { add(it.toString()) }
        }
      }
      constructors.filter { !it.visibility.isApi() }.forEach { c -> c.signature?.let { add(it.toString()) } }
    }
  }

  private fun jvmSignature(e: Executable): String = when (e) {
    is Method -> e.name + MethodType.methodType(e.returnType, e.parameterTypes).toMethodDescriptorString()
    is Constructor<*> ->
      "<init>" + MethodType.methodType(Void.TYPE, e.parameterTypes).toMethodDescriptorString()
  }

  // ---- the Kotlin view ----

  private fun kotlinBlock(cls: Class<*>): String? = when (val kotlin = kotlinMetadata(cls)) {
    is KotlinClassMetadata.Class -> kotlinClass(kotlin.kmClass)
    is KotlinClassMetadata.FileFacade -> {
      val pkg = kotlin.kmPackage
      val tps = TypeScope(emptyList(), null)
      val members = (pkg.functions.filter { it.visibility.isApi() }.map { function(it, tps, false) } +
        pkg.properties.filter { it.visibility.isApi() }.map { property(it, tps, false) } +
        pkg.typeAliases.filter { it.visibility.isApi() }.map { typeAlias(it, tps) }).sorted()
      if (members.isEmpty()) null
      else "file ${cls.name} (top-level declarations of package ${cls.packageName})\n" +
        members.joinToString("") { "  $it\n" }
    }
    else -> null
  }

  private fun kotlinClass(k: KmClass): String {
    val scope = TypeScope(k.typeParameters, null)
    val kind = when (k.kind) {
      ClassKind.CLASS -> "class"
      ClassKind.INTERFACE -> if (k.isFunInterface) "fun interface" else "interface"
      ClassKind.ENUM_CLASS -> "enum class"
      ClassKind.ENUM_ENTRY -> "enum entry"
      ClassKind.ANNOTATION_CLASS -> "annotation class"
      ClassKind.OBJECT -> "object"
      ClassKind.COMPANION_OBJECT -> "companion object"
    }
    val header = buildString {
      append(k.visibility.text()).append(' ')
      if (k.kind == ClassKind.CLASS || k.kind == ClassKind.INTERFACE) {
        if (!(k.kind == ClassKind.INTERFACE && k.modality == Modality.ABSTRACT)) {
          append(k.modality.text()).append(' ')
        }
      }
      if (k.isData) append("data ")
      if (k.isValue) append("value ")
      if (k.isInner) append("inner ")
      append(kind).append(' ').append(k.name.replace('/', '.'))
      append(typeParameters(k.typeParameters, scope))
      val supers = k.supertypes.map { type(it, scope) }.filter { it != "kotlin.Any" }
      if (supers.isNotEmpty()) append(" : ").append(supers.joinToString(", "))
    }
    val member = k.kind != ClassKind.OBJECT && k.kind != ClassKind.COMPANION_OBJECT
    val members = (k.constructors.filter { it.visibility.isApi() }.map { constructor(it, scope) } +
      k.functions.filter { it.visibility.isApi() }.map { function(it, scope, member) } +
      k.properties.filter { it.visibility.isApi() }.map { property(it, scope, member) } +
      k.kmEnumEntries.map { "enum entry ${it.name}" } +
      k.typeAliases.filter { it.visibility.isApi() }.map { typeAlias(it, scope) }).sorted()
    return "$header\n" + members.joinToString("") { "  $it\n" }
  }

  /** Type parameter names by id, innermost declaration first. */
  private class TypeScope(params: List<KmTypeParameter>, val outer: TypeScope?) {
    private val names = params.associate { it.id to it.name }
    fun name(id: Int): String = names[id] ?: outer?.name(id) ?: "T#$id"
  }

  private fun constructor(c: KmConstructor, scope: TypeScope) =
    "${c.visibility.text()} constructor(${c.valueParameters.joinToString(", ") { parameter(it, scope) }})"

  private fun function(f: KmFunction, outer: TypeScope, member: Boolean): String {
    val scope = TypeScope(f.typeParameters, outer)
    val modifiers = listOf("inline" to f.isInline, "suspend" to f.isSuspend,
      "operator" to f.isOperator, "infix" to f.isInfix, "fun" to true)
    return buildString {
      declarationHead(f.visibility, f.modality.takeIf { member }, modifiers, f.typeParameters,
        f.receiverParameterType, scope)
      append(f.name).append('(')
      append(f.valueParameters.joinToString(", ") { parameter(it, scope) })
      append("): ").append(type(f.returnType, scope))
    }
  }

  private fun property(p: KmProperty, outer: TypeScope, member: Boolean): String {
    val scope = TypeScope(p.typeParameters, outer)
    val modifiers = listOf("const" to p.isConst, "lateinit" to p.isLateinit,
      "var" to p.isVar, "val" to !p.isVar)
    return buildString {
      declarationHead(p.visibility, p.modality.takeIf { member }, modifiers, p.typeParameters,
        p.receiverParameterType, scope)
      append(p.name).append(": ").append(type(p.returnType, scope))
      val setter = p.setter
      if (p.isVar && setter != null && setter.visibility != p.visibility) {
        append(" { ").append(setter.visibility.text()).append(" set }")
      }
    }
  }

  /**
   * What a function's or a property's line begins with, up to its name: the visibility, the
   * modality (of a member), the [modifiers] that are set, the type parameters and the receiver.
   */
  private fun StringBuilder.declarationHead(
    visibility: Visibility,
    modality: Modality?,
    modifiers: List<Pair<String, Boolean>>,
    typeParameters: List<KmTypeParameter>,
    receiver: KmType?,
    scope: TypeScope,
  ) {
    append(visibility.text()).append(' ')
    if (modality != null) append(modality.text()).append(' ')
    for ((word, set) in modifiers) if (set) append(word).append(' ')
    val tps = typeParameters(typeParameters, scope)
    if (tps.isNotEmpty()) append(tps).append(' ')
    receiver?.let { append(receiver(it, scope)).append('.') }
  }

  private fun typeAlias(a: KmTypeAlias, outer: TypeScope): String {
    val scope = TypeScope(a.typeParameters, outer)
    return "${a.visibility.text()} typealias ${a.name}${typeParameters(a.typeParameters, scope)} = " +
      type(a.underlyingType, scope)
  }

  private fun parameter(p: KmValueParameter, scope: TypeScope): String = buildString {
    if (p.isNoinline) append("noinline ")
    if (p.isCrossinline) append("crossinline ")
    val vararg = p.varargElementType
    if (vararg != null) append("vararg ")
    append(p.name).append(": ").append(type(vararg ?: p.type, scope))
    if (p.declaresDefaultValue) append(" = ...")
  }

  private fun typeParameters(tps: List<KmTypeParameter>, scope: TypeScope): String {
    if (tps.isEmpty()) return ""
    return tps.joinToString(", ", "<", ">") { tp ->
      buildString {
        if (tp.isReified) append("reified ")
        when (tp.variance) {
          KmVariance.IN -> append("in ")
          KmVariance.OUT -> append("out ")
          KmVariance.INVARIANT -> {}
        }
        append(tp.name)
        val bounds = tp.upperBounds.map { type(it, scope) }.filter { it != "kotlin.Any?" }
        if (bounds.isNotEmpty()) append(" : ").append(bounds.joinToString(" & "))
      }
    }
  }

  private fun receiver(t: KmType, scope: TypeScope): String {
    val text = type(t, scope)
    return if (text.contains("->")) "($text)" else text
  }

  private fun type(t: KmType, scope: TypeScope): String {
    val base = when (val c = t.classifier) {
      is KmClassifier.Class -> c.name.replace('/', '.')
      is KmClassifier.TypeAlias -> c.name.replace('/', '.')
      is KmClassifier.TypeParameter -> scope.name(c.id)
    }
    val args = t.arguments.map { a ->
      val at = a.type
      if (at == null) "*" else when (a.variance) {
        KmVariance.IN -> "in " + type(at, scope)
        KmVariance.OUT -> "out " + type(at, scope)
        else -> type(at, scope)
      }
    }
    val function = Regex("kotlin\\.(coroutines\\.)?Function\\d+").matches(base) && args.isNotEmpty()
    val text = if (function) {
      var params = args.dropLast(1)
      var result = args.last()
      if (t.isSuspend && params.isNotEmpty() && params.last().startsWith("kotlin.coroutines.Continuation<")) {
        result = params.last().removePrefix("kotlin.coroutines.Continuation<").removeSuffix(">")
        params = params.dropLast(1)
      }
      val extension = t.annotations.any { it.className == "kotlin/ExtensionFunctionType" }
      val receiver = if (extension && params.isNotEmpty()) params.first() + "." else ""
      if (extension && params.isNotEmpty()) params = params.drop(1)
      val suspend = if (t.isSuspend) "suspend " else ""
      val body = "$suspend$receiver(${params.joinToString(", ")}) -> $result"
      if (t.isNullable) "($body)" else body
    } else if (args.isEmpty()) base else "$base<${args.joinToString(", ")}>"
    return when {
      t.isNullable -> "$text?"
      t.isDefinitelyNonNull -> "$text & Any"
      else -> text
    }
  }

  private fun Visibility.text() = name.lowercase().replace('_', '-')
  private fun Modality.text() = name.lowercase()
}
