import cpsl
from cpsl import ui

app = cpsl.App(
    "surfaces",
    image=cpsl.Image(python_packages=["httpx"]),
    secrets=["OPENAI_API_KEY"],
    pricing_type="monthly",
    cpu=0.5,
    memory=1024,
)
app.add_integration(
    "github",
    client_id=cpsl.Secret.from_name("GITHUB_CLIENT_ID"),
    client_secret=cpsl.Secret.from_name("GITHUB_CLIENT_SECRET"),
    scopes=["repo"],
)
app.add_integration("aws")
tickets = app.collection(
    "tickets",
    columns=[cpsl.Column("title"), cpsl.Column("state", type="status"), cpsl.Column("cost", type="currency")],
    scope="user",
    sortable=True,
    paginate=20,
)
notes = app.collection("notes", scope="session")
app.setting("tone", scope="owner", type=str, default="friendly", options=["friendly", "formal"])
app.setting("limit", scope="app", type=int, default=10)
app.theme(preset="dark", radius="md", primary="#3355ff")
app.shell(home="default", show_header=True)
app.home(title="Support", subtitle="Ask anything", access="public")
wf = app.workflow("Triage", scope="user", icon="inbox", description="Sort new tickets")


@wf.ui()
def triage_ui():
    return ui.WorkflowShell(title="Triage", children=[ui.TextInput("Summary", name="summary"), ui.SubmitButton("Go", action="start")])


@wf.start()
async def triage_start(session, input):
    await session.reply("started")


@app.page("Tickets", icon="list", access="authenticated")
def tickets_page():
    return ui.Page([ui.Table(tickets, sortable=True), ui.Toggle(setting="tone", label="Tone")])


@app.page("Stats", route="stats")
def stats_page():
    return ui.Page([ui.Row([ui.Metric(label="Open", value=3, format="number"), ui.Chart(data="sales", chart_type="bar")])])


app.add_page("Board", component="pages/board.tsx", access="public")


@app.chat_page(mode="single", scope="owner", sidebar_label="Notebook")
def chat_page():
    return ui.Page([ui.Text("Notebook"), ui.ChatPanel(title="Chat")])


@app.onboarding(redirect="Tickets")
def onboarding():
    return ui.Page([ui.Text("Welcome")])


@app.data("sales", access="public")
def sales(ctx):
    return []


@app.home_suggestions(ttl=60, access="public")
def suggestions(ctx):
    return []


@app.message()
async def handle(session, msg):
    await session.show_table(tickets, mode="inline")
    await session.reply(msg.text)


@app.endpoint(method="POST", path="/hook", authorized=False)
async def hook(request):
    return {"ok": True}


@app.task(retries=2, timeout=60, lock="user:{user_id}")
async def send(session, user_id: str):
    await session.reply("done")


@app.schedule("0 9 * * 1")
async def weekly():
    pass
