// C++ baseline for `./matchstream bench index`: the same queries, plans and index file as the Java run,
// through the same Faiss build and the same search code (faiss_jni.cpp is compiled in), minus JNI.
// The ratio of the two latencies is the binding's overhead.
//
//   faiss_bench INDEX_FILE QUERIES_FILE RESULTS_FILE
// QUERIES_FILE: int32 nq, d, k, nplans; nq*d floats; per plan: int32 mode (0 exact, 1 index, 2 8-bit scan), nprobe,
//   refine (the scan's: its shortlist); int64 nwords (0: no filter); nwords int64 words.
// Prints one line per plan: "plan P p50_us P99_us"; RESULTS_FILE gets nplans*nq*k int64 ids (-1 padded).
#include "faiss_jni.cpp"

#include <chrono>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: faiss_bench INDEX_FILE QUERIES_FILE RESULTS_FILE\n";
        return 2;
    }
    try {
        std::unique_ptr<Handle> h(load_handle(argv[1]));
        std::ifstream in(argv[2], std::ios::binary);
        int32_t head[4];
        in.read(reinterpret_cast<char*>(head), sizeof(head));
        int nq = head[0], d = head[1], k = head[2], nplans = head[3];
        if (d != h->d) throw std::runtime_error("dimension mismatch");
        std::vector<float> queries((size_t)nq * d);
        in.read(reinterpret_cast<char*>(queries.data()), queries.size() * sizeof(float));
        std::ofstream out(argv[3], std::ios::binary);
        for (int p = 0; p < nplans; p++) {
            int32_t plan[3];
            int64_t nwords;
            in.read(reinterpret_cast<char*>(plan), sizeof(plan));
            in.read(reinterpret_cast<char*>(&nwords), sizeof(nwords));
            std::vector<jlong> words(nwords);
            in.read(reinterpret_cast<char*>(words.data()), nwords * sizeof(jlong));
            if (!in) throw std::runtime_error("short queries file");
            const jlong* w = nwords > 0 ? words.data() : nullptr;
            std::vector<double> micros(nq);
            std::vector<int64_t> results((size_t)nq * k, -1);
            for (int i = 0; i < nq; i++) {
                auto t0 = std::chrono::steady_clock::now();
                TopK top(k);
                if (plan[0] == 0) exact(h.get(), queries.data() + (size_t)i * d, w, nwords, top);
                else if (plan[0] == 2 && w != nullptr) quantized_scan(h.get(), queries.data() + (size_t)i * d, w, nwords, (size_t)plan[2], top);
                else search_index(h.get(), queries.data() + (size_t)i * d, w, nwords, plan[1], plan[2], top);
                size_t n = top.finish();
                micros[i] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
                std::copy(top.ids.begin(), top.ids.begin() + n, results.begin() + (size_t)i * k);
            }
            out.write(reinterpret_cast<const char*>(results.data()), results.size() * sizeof(int64_t));
            std::sort(micros.begin(), micros.end());
            std::cout << "plan " << p << " " << micros[nq / 2] << " " << micros[std::min(nq - 1, (int)std::ceil(nq * 0.99) - 1)] << "\n";
        }
    } catch (const std::exception& e) {
        std::cerr << "faiss_bench: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
