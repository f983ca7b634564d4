// Reads an ns-3 topology in the HPCC / ASTRA-sim text format (as `fabric build` writes it
// to sim/ns3/topology.txt), builds every node and point-to-point link it lists, sends one
// UDP packet from node SRC to node DST, and prints the one-way delay ns-3 simulated.
//
//   one_way_delay TOPOLOGY SRC DST
//
// Routing follows the HPCC simulator: shortest paths by hop count that cross only switches
// (hosts never forward), the lowest-numbered next hop among equals. The path found gets an
// IPv4 stack, one /30 per link and static host routes; the rest of the graph is built but
// carries no traffic. Output (stdout): `hops N`, `path A B ...`, `delay_s D`.

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

using namespace ns3;

namespace {

struct LinkSpec {
  uint32_t a, b;
  std::string rate, delay;
};

Time g_sent;
Time g_received = Seconds(-1);

void Receive(Ptr<Socket> socket) {
  Ptr<Packet> packet;
  while ((packet = socket->Recv())) {
    if (g_received.IsNegative()) {
      g_received = Simulator::Now();
    }
  }
}

void Send(Ptr<Socket> socket) {
  g_sent = Simulator::Now();
  socket->Send(Create<Packet>(64));
}

int Fail(const std::string &message) {
  std::cerr << "one_way_delay: " << message << std::endl;
  return 2;
}

}  // namespace

int main(int argc, char *argv[]) {
  if (argc != 4) {
    return Fail("usage: one_way_delay TOPOLOGY SRC DST");
  }
  Time::SetResolution(Time::PS);
  std::ifstream in(argv[1]);
  if (!in) {
    return Fail(std::string("cannot read ") + argv[1]);
  }
  const uint32_t src = std::stoul(argv[2]);
  const uint32_t dst = std::stoul(argv[3]);
  uint32_t nodes = 0, switches = 0, links = 0;
  if (!(in >> nodes >> switches >> links)) {
    return Fail("the first line must be `nodes switches links`");
  }
  std::vector<bool> is_switch(nodes, false);
  for (uint32_t i = 0; i < switches; ++i) {
    uint32_t id;
    if (!(in >> id) || id >= nodes) {
      return Fail("bad switch id on line 2");
    }
    is_switch[id] = true;
  }
  std::vector<LinkSpec> specs;
  specs.reserve(links);
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> adjacent(nodes);
  for (uint32_t i = 0; i < links; ++i) {
    LinkSpec s;
    double error_rate;
    if (!(in >> s.a >> s.b >> s.rate >> s.delay >> error_rate) || s.a >= nodes || s.b >= nodes) {
      return Fail("bad link " + std::to_string(i));
    }
    adjacent[s.a].push_back({s.b, i});
    adjacent[s.b].push_back({s.a, i});
    specs.push_back(s);
  }
  if (src >= nodes || dst >= nodes || src == dst) {
    return Fail("SRC and DST must be two different node ids");
  }

  // Every node and link of the file.
  NodeContainer all;
  all.Create(nodes);
  std::vector<NetDeviceContainer> devices(links);
  PointToPointHelper p2p;
  for (uint32_t i = 0; i < links; ++i) {
    p2p.SetDeviceAttribute("DataRate", StringValue(specs[i].rate));
    p2p.SetChannelAttribute("Delay", StringValue(specs[i].delay));
    devices[i] = p2p.Install(all.Get(specs[i].a), all.Get(specs[i].b));
  }

  // Hop distances to DST, crossing switches only.
  std::vector<uint32_t> dist(nodes, UINT32_MAX);
  std::deque<uint32_t> queue{dst};
  dist[dst] = 0;
  while (!queue.empty()) {
    uint32_t u = queue.front();
    queue.pop_front();
    if (u != dst && !is_switch[u]) {
      continue;
    }
    for (auto [v, _] : adjacent[u]) {
      if (dist[v] == UINT32_MAX) {
        dist[v] = dist[u] + 1;
        queue.push_back(v);
      }
    }
  }
  if (dist[src] == UINT32_MAX) {
    return Fail("no path from " + std::to_string(src) + " to " + std::to_string(dst));
  }
  std::vector<uint32_t> path{src};
  std::vector<uint32_t> path_links;
  for (uint32_t u = src; u != dst;) {
    uint32_t best_node = UINT32_MAX, best_link = UINT32_MAX;
    for (auto [v, l] : adjacent[u]) {
      if (dist[v] + 1 == dist[u] && (v == dst || is_switch[v]) && v < best_node) {
        best_node = v;
        best_link = l;
      }
    }
    path.push_back(best_node);
    path_links.push_back(best_link);
    u = best_node;
  }

  // IPv4 on the path only: one /30 per link, host routes toward DST.
  NodeContainer on_path;
  for (uint32_t n : path) {
    on_path.Add(all.Get(n));
  }
  InternetStackHelper stack;
  stack.Install(on_path);
  Ipv4AddressHelper address;
  address.SetBase("10.0.0.0", "255.255.255.252");
  std::vector<Ipv4InterfaceContainer> interfaces;
  for (uint32_t l : path_links) {
    interfaces.push_back(address.Assign(devices[l]));
    address.NewNetwork();
  }
  // Orient each path link: side 0 is the node nearer SRC.
  auto side = [&](size_t hop, uint32_t node) { return specs[path_links[hop]].a == node ? 0u : 1u; };
  const size_t hops = path_links.size();
  Ipv4Address dst_address = interfaces[hops - 1].GetAddress(side(hops - 1, dst));
  Ipv4StaticRoutingHelper routing;
  for (size_t hop = 0; hop < hops; ++hop) {
    uint32_t here = path[hop];
    uint32_t next = path[hop + 1];
    Ptr<Ipv4> ipv4 = all.Get(here)->GetObject<Ipv4>();
    Ipv4Address gateway = interfaces[hop].GetAddress(side(hop, next));
    int32_t interface = ipv4->GetInterfaceForAddress(interfaces[hop].GetAddress(side(hop, here)));
    routing.GetStaticRouting(ipv4)->AddHostRouteTo(dst_address, gateway, interface);
  }

  Ptr<Socket> sink = Socket::CreateSocket(all.Get(dst), UdpSocketFactory::GetTypeId());
  sink->Bind(InetSocketAddress(Ipv4Address::GetAny(), 9));
  sink->SetRecvCallback(MakeCallback(&Receive));
  Ptr<Socket> source = Socket::CreateSocket(all.Get(src), UdpSocketFactory::GetTypeId());
  source->Connect(InetSocketAddress(dst_address, 9));
  Simulator::Schedule(Seconds(1.0), &Send, source);
  Simulator::Stop(Seconds(2.0));
  Simulator::Run();
  Simulator::Destroy();

  if (g_received.IsNegative()) {
    return Fail("the packet did not arrive");
  }
  std::cout << "hops " << hops << "\npath";
  for (uint32_t n : path) {
    std::cout << ' ' << n;
  }
  std::printf("\ndelay_s %.12e\n", (g_received - g_sent).GetSeconds());
  return 0;
}
