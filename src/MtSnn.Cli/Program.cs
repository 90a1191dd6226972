using TorchSharp;
MtSnn.Native.TorchRuntime.EnsureInitialized();
var t = torch.ones(3);
Console.WriteLine(t.sum().item<float>());
return 0;
