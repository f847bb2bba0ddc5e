import cpsl

app = cpsl.App(name="bare", image=cpsl.Image())
