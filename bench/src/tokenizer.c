/* A JSON-like tokenizer (hand-written state machine) over generated text:
 * objects, arrays, strings with escapes, numbers, literals. */
#include "common.h"
enum { T_LBRACE, T_RBRACE, T_LBRACK, T_RBRACK, T_COLON, T_COMMA, T_STRING, T_NUMBER, T_TRUE, T_FALSE, T_NULL, T_ERROR, T_COUNT };
static char *out;
static size_t olen, ocap;
static void put(const char *s) {
    size_t l = strlen(s);
    if (olen + l + 1 > ocap) { ocap = ocap * 2 + l + 1024; out = realloc(out, ocap); }
    memcpy(out + olen, s, l);
    olen += l;
}
static void gen_value(int depth) {
    uint32_t r = rng_u32() % (depth > 5 ? 5 : 7);
    char buf[64];
    switch (r) {
    case 0: snprintf(buf, sizeof buf, "%d", (int)(rng_u32() % 200000) - 100000); put(buf); break;
    case 1: { /* draw in a fixed order: argument evaluation order is unspecified */
        uint32_t x = rng_u32() % 1000, y = rng_u32() % 1000, z = rng_u32() % 20;
        snprintf(buf, sizeof buf, "%u.%ue-%u", x, y, z);
        put(buf);
        break;
    }
    case 2: put("\"str\\\"ing\\n with \\u00e9scapes\""); break;
    case 3: put(rng_u32() & 1 ? "true" : (rng_u32() & 1 ? "false" : "null")); break;
    case 4: snprintf(buf, sizeof buf, "\"k%u_name\"", rng_u32() % 10000); put(buf); break;
    case 5: {
        put("[");
        int n = (int)(rng_u32() % 6);
        for (int i = 0; i < n; i++) { if (i) put(", "); gen_value(depth + 1); }
        put("]");
        break;
    }
    default: {
        put("{");
        int n = (int)(rng_u32() % 6);
        for (int i = 0; i < n; i++) {
            if (i) put(",\n  ");
            snprintf(buf, sizeof buf, "\"field%u\": ", rng_u32() % 100);
            put(buf);
            gen_value(depth + 1);
        }
        put("}");
    }
    }
}
static void tokenize(const char *s, size_t n, uint64_t counts[T_COUNT], uint64_t *h) {
    size_t i = 0;
    uint64_t acc = *h;
    while (i < n) {
        char c = s[i];
        switch (c) {
        case ' ': case '\n': case '\t': case '\r': i++; continue;
        case '{': counts[T_LBRACE]++; i++; break;
        case '}': counts[T_RBRACE]++; i++; break;
        case '[': counts[T_LBRACK]++; i++; break;
        case ']': counts[T_RBRACK]++; i++; break;
        case ':': counts[T_COLON]++; i++; break;
        case ',': counts[T_COMMA]++; i++; break;
        case '"': {
            i++;
            uint32_t sh = 2166136261u;
            while (i < n && s[i] != '"') {
                if (s[i] == '\\') {
                    i++;
                    if (i < n && s[i] == 'u') i += 4;
                }
                sh = (sh ^ (unsigned char)s[i]) * 16777619u;
                i++;
            }
            i++;
            counts[T_STRING]++;
            acc = acc * 1099511628211ull + sh;
            break;
        }
        case 't': if (i + 4 <= n && !memcmp(s + i, "true", 4)) { counts[T_TRUE]++; i += 4; } else { counts[T_ERROR]++; i++; } break;
        case 'f': if (i + 5 <= n && !memcmp(s + i, "false", 5)) { counts[T_FALSE]++; i += 5; } else { counts[T_ERROR]++; i++; } break;
        case 'n': if (i + 4 <= n && !memcmp(s + i, "null", 4)) { counts[T_NULL]++; i += 4; } else { counts[T_ERROR]++; i++; } break;
        default:
            if (c == '-' || (c >= '0' && c <= '9')) {
                int64_t v = 0;
                int neg = c == '-';
                if (neg) i++;
                while (i < n && s[i] >= '0' && s[i] <= '9') v = v * 10 + (s[i++] - '0');
                if (i < n && s[i] == '.') { i++; while (i < n && s[i] >= '0' && s[i] <= '9') v = v * 10 + (s[i++] - '0'); }
                if (i < n && (s[i] == 'e' || s[i] == 'E')) {
                    i++;
                    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
                    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
                }
                counts[T_NUMBER]++;
                acc = acc * 31 + (uint64_t)(neg ? -v : v);
            } else {
                counts[T_ERROR]++;
                i++;
            }
        }
    }
    *h = acc;
}
int main(int argc, char **argv) {
    long reps = arg_size(argc, argv, 60);
    ocap = 1 << 20;
    out = malloc(ocap);
    put("[");
    for (int i = 0; reps > 0 && olen < (4u << 20); i++) { if (i) put(",\n"); gen_value(0); }
    put("]");
    uint64_t counts[T_COUNT] = {0}, h = FNV_INIT;
    for (long r = 0; r < reps; r++) tokenize(out, olen, counts, &h);
    printf("tokenizer reps=%ld bytes=%zu checksum %016llx", reps, olen, (unsigned long long)h);
    for (int t = 0; t < T_COUNT; t++) printf(" %llu", (unsigned long long)counts[t]);
    printf("\n");
    return 0;
}
