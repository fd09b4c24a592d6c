import kotlin.math.*

abstract class Account(val id: Int) {
    abstract fun fee(): Double
    var balance = 0.0
    fun deposit(x: Double) { require(x > 0) { "bad amount $x" }; balance += x }
}
class Checking(id: Int) : Account(id) { override fun fee() = 1.5 }
class Savings(id: Int, val rate: Double) : Account(id) { override fun fee() = -balance * rate }

class Matrix(val n: Int) {
    val a = Array(n) { DoubleArray(n) }
    operator fun times(o: Matrix): Matrix {
        val r = Matrix(n)
        for (i in 0 until n) for (k in 0 until n) { val x = a[i][k]; for (j in 0 until n) r.a[i][j] += x * o.a[k][j] }
        return r
    }
}

fun <T : Comparable<T>> quicksort(xs: List<T>): List<T> =
    if (xs.size <= 1) xs else {
        val p = xs[xs.size / 2]
        quicksort(xs.filter { it < p }) + xs.filter { it == p } + quicksort(xs.filter { it > p })
    }

fun main() {
    val accts = (1..20).map { if (it % 3 == 0) Savings(it, 0.01) else Checking(it) }
    for ((i, a) in accts.withIndex()) a.deposit(100.0 + i)
    var errors = 0
    for (a in accts) try { a.deposit(-1.0) } catch (e: IllegalArgumentException) { errors++ }
    println("fees=${"%.3f".let { accts.sumOf { it.fee() } }} errors=$errors")
    val re = Regex("([a-z]+)(\\d+)")
    val text = "abc123 def45 ghi6 jkl"
    println(re.findAll(text).map { it.groupValues[1] + ":" + it.groupValues[2] }.toList())
    println(text.replace(Regex("\\d"), "#"))
    val m = Matrix(30)
    for (i in 0 until 30) for (j in 0 until 30) m.a[i][j] = sin(i.toDouble()) + cos(j.toDouble())
    val p = m * m * m
    println("trace=${(0 until 30).sumOf { p.a[it][it] }.let { round(it * 1000) / 1000 }}")
    val rnd = kotlin.random.Random(42)
    val data = List(2000) { rnd.nextInt(100000) }
    val s = quicksort(data)
    println("sorted ok=${s == data.sorted()} first=${s.take(5)} last=${s.last()}")
    val lazySeq = sequence { var a = 0L; var b = 1L; while (true) { yield(a); val t = a + b; a = b; b = t } }
    println(lazySeq.take(60).last())
    val map = linkedMapOf<String, MutableList<Int>>()
    for (i in 0 until 500) map.getOrPut("g${i % 13}") { mutableListOf() }.add(i)
    println(map.map { (k, v) -> "$k=${v.sum()}" }.take(4))
    println(listOf(1.5, 2.25, -0.125, 1e20, 1e-7, Double.NaN, Double.POSITIVE_INFINITY).joinToString())
    println(buildString { for (c in 'a'..'z') if (c.code % 3 == 0) append(c.uppercaseChar()) })
    val nested = runCatching { runCatching { throw IllegalStateException("inner") }.getOrThrow() }
    println(nested.exceptionOrNull()?.message)
    println((1..10).fold(1L) { acc, x -> acc * x })
    println("%d items".replace("%d", accts.size.toString()))
}
