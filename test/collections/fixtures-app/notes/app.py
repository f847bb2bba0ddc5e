"""Fixture app for the collections end-to-end test: each message is one command that uses the
platform's collections or KV store through the real SDK and replies with the result as JSON."""
import json

import cpsl

app = cpsl.App(name="notes", image=cpsl.Image())

notes = app.collection("notes", columns=["text", "n"], scope="app", sortable=True, filterable=True)
mine = app.collection("mine", columns=["text"], scope="user")
app.collection("later", columns=["text"], scope="owner")


def out(value):
    return json.dumps(value, sort_keys=True, default=str)


@app.message()
async def handle(session: cpsl.Session, msg: cpsl.Message):
    cmd, _, arg = (msg.text or "").partition(" ")
    if cmd == "add":
        rows = await notes.insert_many([{"text": t, "n": i} for i, t in enumerate(arg.split(","))])
        await session.reply(out([r["_id"] for r in rows]))
    elif cmd == "list":
        rows = await notes.find({"n": {"$gte": 1}}, sort={"n": -1}, limit=2)
        await session.reply(out([r["text"] for r in rows]))
    elif cmd == "query":
        rows = await notes.filter(text__startswith="b").order_by("-n").all()
        await session.reply(out({"texts": [r["text"] for r in rows], "count": await notes.count()}))
    elif cmd == "bump":
        row = await notes.get(text=arg)
        res = await row.update({"done": True})
        inc = await notes.update_one({"_id": row.id}, {"$inc": {"n": 10}, "$push": {"log": "bumped"}})
        await session.reply(out({"res": res, "inc": inc, "row": await notes.find_one({"_id": row.id})}))
    elif cmd == "remove":
        res = await notes.delete_one({"text": arg})
        await session.reply(out({"res": res, "count": await notes.count()}))
    elif cmd == "mine":
        await mine.insert_one({"text": arg})
        rows = await mine.find()
        await session.reply(out([(r["text"], r["_user_id"]) for r in rows]))
    elif cmd == "kvset":
        key, _, value = arg.partition("=")
        await session.set(key, json.loads(value))
        await session.set(key, "user-" + value, scope="user")
        await app.set("app-" + key, {"v": json.loads(value)})
        await session.reply("ok")
    elif cmd == "kvget":
        await session.reply(out({
            "session": await session.get(arg),
            "user": await session.get(arg, scope="user"),
            "app": await app.get("app-" + arg),
            "missing": await session.get("nope", "dflt"),
        }))
    elif cmd == "kvdel":
        await session.delete(arg)
        await session.reply(out({"session": await session.get(arg), "user": await session.get(arg, scope="user")}))
    elif cmd == "cols":
        before = [c.key for c in await notes.list_columns()]
        after = await notes.add_column("price", type="currency", label="Price")
        dyn = await session.collections.get("drafts", scope="user")
        await dyn.set_columns(["title", {"key": "done", "type": "boolean"}])
        await dyn.insert_one({"title": "t1"})
        await session.reply(out({
            "before": before,
            "after": [(c.key, c.type, c.label) for c in after],
            "again": [c.key for c in await notes.list_columns()],
            "dyn": [(c.key, c.type) for c in await dyn.list_columns()],
            "dyn_rows": [(r["title"], r["_user_id"]) for r in await dyn.find()],
        }))
    elif cmd == "bad":
        try:
            await notes.find({"n": {"$near": 1}})
        except Exception as e:  # the gateway's INVALID_ARGUMENT reaches the app as an RpcError
            await session.reply(out({"error": type(e).__name__, "detail": str(getattr(e, "details", lambda: e)())}))
    else:
        await session.reply("unknown command")
