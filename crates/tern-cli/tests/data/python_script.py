import json, re, math, sys
def risky(n):
    if n % 3 == 0:
        raise ValueError(f"bad {n}")
    return n * 2
out = []
for i in range(10):
    try:
        out.append(risky(i))
    except ValueError as e:
        out.append(str(e))
    finally:
        pass
data = {"values": out, "pi": round(math.pi, 5), "sqrt2": math.sqrt(2)}
with open("/work/out.json", "w") as f:
    json.dump(data, f)
with open("/work/out.json") as f:
    back = json.load(f)
words = re.findall(r"bad (\d+)", " ".join(map(str, back["values"])))
print("caught:", words)
print("pi:", back["pi"], "factorial(20):", math.factorial(20))
try:
    {}["missing"]
except KeyError as e:
    print("KeyError", e)
print(sys.version.split()[0], sys.platform)
