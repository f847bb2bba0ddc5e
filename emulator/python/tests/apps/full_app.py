"""Fixture app for the runner protocol tests: one command per behaviour."""
import os

import cpsl

app = cpsl.App(name="full", image=cpsl.Image(), secrets=["FULL_TOKEN"])
app.add_integration(cpsl.GitHub(client_id=cpsl.Secret.from_name("GH_ID"), client_secret=cpsl.Secret.from_name("GH_SECRET"),
                                scopes=["repo"]))
app.add_integration(cpsl.AWS())
app.add_integration("jira", fields=["base_url"])

EVENTS = []


@app.boot
def booted():
    print("booted", flush=True)


@app.enter
async def entered(session):
    EVENTS.append(f"enter {session.id}")


@app.shutdown
def stopping():
    print("shutdown hook ran", flush=True)


@app.message("support", label="Support")
async def support(msg, session):
    await session.reply(f"support got {msg.text}")


@app.message()
async def handle(session: cpsl.Session, msg: cpsl.Message):
    cmd, _, arg = (msg.text or "").partition(" ")
    if cmd == "boom":
        raise ValueError("boom from the handler")
    if cmd == "stream":
        async def words():
            for w in ["one ", "two ", "three"]:
                yield w
        full = await session.stream(words())
        await session.reply(f"streamed {full!r}")
    elif cmd == "snapshots":
        async with session.stream_reply() as s:
            await s.write("Hel")
            await s.write("Hello")
            await s.write(", world")
    elif cmd == "notify":
        await session.notify("Thinking...", detail="step 1")
        await session.reply("done")
    elif cmd == "github":
        try:
            gh = await session.prompt_integration("github", reason="Connect GitHub", timeout=float(arg or 30))
        except cpsl.IntegrationTimeout:
            await session.reply("github timed out")
            return
        except cpsl.IntegrationDeclined:
            await session.reply("github declined")
            return
        await session.reply(f"github {gh.token_type} {' '.join(gh.scopes)} stored {bool(session.get_integration('github'))}")
    elif cmd == "aws":
        creds = await session.require_integration(cpsl.Integration.AWS, message="Keys please")
        await session.reply(f"aws {creds.fields['region']} env {os.environ.get('AWS_DEFAULT_REGION')} "
                            f"{os.environ.get('AWS_ACCESS_KEY_ID')}")
    elif cmd == "jira":
        creds = await session.prompt_integration("jira")
        await session.reply(f"jira {creds.fields['base_url']}")
    elif cmd == "show":
        await session.show_integration(cpsl.Integration.GITHUB, reason="optional")
        await session.reply("shown")
    elif cmd == "kv":
        for scope in ("session", "user", "owner", "app"):
            await session.set("k", {"scope": scope}, scope=scope)
        got = [await session.get("k", scope=s) for s in ("session", "user", "owner", "app")]
        await session.delete("k", scope="app")
        await session.reply(f"{[g['scope'] for g in got]} after delete {await session.get('k', scope='app')}")
    elif cmd == "slowcount":
        import asyncio
        await asyncio.sleep(0.3)
        session.data["n"] = int(session.data.get("n", 0)) + 1
        await session.reply(f"count {session.data['n']}")
    elif cmd == "count":
        n = int(session.data.get("n", 0)) + 1
        session.data["n"] = n
        session.data.setdefault("log", []).append(n)
        await session.reply(f"count {n}")
    elif cmd == "history":
        await session.reply(" | ".join(f"{m.sender}:{m.text}" for m in session.history))
    elif cmd == "whoami":
        current = cpsl.current_session()
        await session.reply(f"{session.user.id} {session.user.owner_id} {session.channel.type} same {current is session} {EVENTS}")
    elif cmd == "secret":
        value = cpsl.Secret.from_name(arg).value
        await session.reply(f"{arg} has {len(value)} characters")
    elif cmd == "image":
        await session.show_image("https://example.com/a.png", alt="chart", width=200)
        await session.show_image(os.path.join(os.path.dirname(__file__), "pixel.gif"))
        await session.set_title("Charts")
    elif cmd == "unavailable":
        await session.prompt_file(message="upload")
    elif cmd == "sync":
        pass  # only the final done
    else:
        await session.reply(f"echo: {msg.text}")


@app.data("public_info")
def public_info(page="1"):
    return {"public": True, "page": page}


@app.data("whoami", access="authenticated")
async def whoami(ctx: cpsl.RequestContext):
    return {"user": ctx.user.id, "email": ctx.user.email, "owner": ctx.user.owner_id,
            "github": bool(ctx.integrations.get(cpsl.Integration.GITHUB))}


@app.data("broken")
async def broken(ctx):
    raise RuntimeError("data went wrong")


@app.endpoint(method="POST", path="/hooks/build", authorized=True)
async def build_hook(ctx: cpsl.RequestContext):
    body = await ctx.request.json()
    return {"queued": True, "user": ctx.user.id, "body": body}


@app.endpoint(method="GET", path="/plain", authorized=False)
async def plain(request):
    return f"plain {request.query.get('q')}"


@app.message("plain")
def plain_handler(session, msg):
    # A plain function: the Session API is called without await.
    session.reply(f"plain got {msg.text}")
    n = session.get("plain-count", 0, scope="user") + 1
    session.set("plain-count", n, scope="user")
    session.data["plain"] = n
    session.reply(f"count {n} same {cpsl.current_session() is session}")
    with session.stream_reply() as s:
        s.write("a")
        s.write("ab")
    session.stream(["x", "y"])
