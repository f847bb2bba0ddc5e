import cpsl

app = cpsl.App(name="broken")


@app.message()
async def handle(session, msg):  # no image: the SDK raises at import
    pass
