/* A small stack-based bytecode interpreter (switch dispatch) running a
 * program of nested loops, arithmetic and calls. Branch-heavy. */
#include "common.h"
enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, LT, JZ, JMP, CALL, RET, DUP, POP, XOR, SHR, HALT };
typedef struct { int32_t op, arg; } Ins;
static uint64_t run(const Ins *code, int32_t *locals) {
    int64_t stack[256];
    int32_t rstack[64];
    int sp = 0, rsp = 0, pc = 0;
    uint64_t steps = 0;
    for (;;) {
        Ins in = code[pc++];
        steps++;
        switch (in.op) {
        case PUSH: stack[sp++] = in.arg; break;
        case LOAD: stack[sp++] = locals[in.arg]; break;
        case STORE: locals[in.arg] = (int32_t)stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] = (int32_t)(stack[sp - 1] * stack[sp]); break;
        case MOD: sp--; stack[sp - 1] = stack[sp] ? stack[sp - 1] % stack[sp] : 0; break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case JZ: if (stack[--sp] == 0) pc = in.arg; break;
        case JMP: pc = in.arg; break;
        case CALL: rstack[rsp++] = pc; pc = in.arg; break;
        case RET: pc = rstack[--rsp]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case POP: sp--; break;
        case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case SHR: sp--; stack[sp - 1] = (int64_t)((uint32_t)stack[sp - 1] >> (stack[sp] & 31)); break;
        case HALT: return steps;
        }
    }
}
int main(int argc, char **argv) {
    long n = arg_size(argc, argv, 1000000);
    /* locals: 0 = i, 1 = n, 2 = acc, 3 = j, 4 = tmp */
    Ins prog[] = {
        /* 0 */ {PUSH, 0}, {STORE, 0}, {PUSH, 1}, {STORE, 2},
        /* 4: loop head: while i < n */
        {LOAD, 0}, {LOAD, 1}, {LT, 0}, {JZ, 40},
        /* 8: j = 0; while j < 8 */
        {PUSH, 0}, {STORE, 3},
        /* 10 */ {LOAD, 3}, {PUSH, 8}, {LT, 0}, {JZ, 34},
        /* 14: acc = f(acc, i, j) via call to 42 */
        {CALL, 42},
        /* 15: j++ */ {LOAD, 3}, {PUSH, 1}, {ADD, 0}, {STORE, 3}, {JMP, 10},
        /* 20..33 unused padding */
        {HALT, 0}, {HALT, 0}, {HALT, 0}, {HALT, 0}, {HALT, 0}, {HALT, 0}, {HALT, 0},
        {HALT, 0}, {HALT, 0}, {HALT, 0}, {HALT, 0}, {HALT, 0}, {HALT, 0}, {HALT, 0},
        /* 34: i++ */ {LOAD, 0}, {PUSH, 1}, {ADD, 0}, {STORE, 0}, {JMP, 4}, {HALT, 0},
        /* 40 */ {HALT, 0}, {HALT, 0},
        /* 42: acc = (acc * 31 + i ^ j) % 1000003 ; if acc odd: acc = acc >> 1 */
        {LOAD, 2}, {PUSH, 31}, {MUL, 0}, {LOAD, 0}, {LOAD, 3}, {XOR, 0}, {ADD, 0},
        {PUSH, 1000003}, {MOD, 0}, {DUP, 0}, {STORE, 2},
        /* 53 */ {PUSH, 2}, {MOD, 0}, {JZ, 60},
        /* 56 */ {LOAD, 2}, {PUSH, 1}, {SHR, 0}, {STORE, 2},
        /* 60 */ {RET, 0},
    };
    int32_t locals[8] = {0};
    locals[1] = (int32_t)n;
    uint64_t steps = run(prog, locals);
    printf("interp n=%ld checksum %d steps=%llu\n", n, locals[2], (unsigned long long)steps);
    return 0;
}
