"""An app file named like a standard module that is always imported first."""
import cpsl
app = cpsl.App(name="clash", image=cpsl.Image())
@app.message()
async def h(session, msg):
    await session.reply("clash ok")
