import cpsl

app = cpsl.App(name="echo", image=cpsl.Image())

@app.message()
async def handle(session: cpsl.Session, msg: cpsl.Message):
    await session.reply(f"echo: {msg.text}")
